import { z } from 'zod';

/**
 * Per-site settings, kept in the store so that a change takes effect without a restart
 * or a redeploy. Handlers read them through `SiteSettingsCache`, which holds each site's
 * settings for a short time.
 */
export const SiteSettingsSchema = z.object({
  /** Shown as the `[Site name]` prefix of replies. */
  name: z.string().min(1).max(255),
  /** Profile and conversation links are built from it, e.g. https://social.example. */
  baseUrl: z.url(),
  /** Bare JIDs that receive every local public notice (StatusNet's `xmpp.public`). */
  firehose: z.array(z.string()).max(1000).default([]),
  /** The bot's bare JID; replies and notices come from it. */
  botJid: z.string().optional(),
  /**
   * Longest notice text, in characters as the web counts them: Unicode code points of the
   * trimmed text (shared/notice-text.ts `textLength`).
   */
  textLimit: z.number().int().min(1).max(100_000).default(1000),
});
export type SiteSettings = z.infer<typeof SiteSettingsSchema>;

/** Settings of a site nobody configured: it still works, with neutral defaults. */
export function defaultSiteSettings(site: string): SiteSettings {
  return SiteSettingsSchema.parse({ name: site, baseUrl: `https://${site}.invalid` });
}

export interface SiteSettingsSource {
  getSiteSettings(site: string): Promise<SiteSettings | undefined>;
}

/** Caches each site's settings for `ttlMs` (default 30 s). */
export class SiteSettingsCache {
  private readonly entries = new Map<string, { settings: SiteSettings; expires: number }>();

  constructor(
    private readonly source: SiteSettingsSource,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(site: string): Promise<SiteSettings> {
    const cached = this.entries.get(site);
    if (cached && cached.expires > this.now()) return cached.settings;
    const settings = (await this.source.getSiteSettings(site)) ?? defaultSiteSettings(site);
    this.entries.set(site, { settings, expires: this.now() + this.ttlMs });
    return settings;
  }
}
