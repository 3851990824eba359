import type { Notice } from '../frames.js';
import type { SiteSettings, SiteSettingsSource } from '../site-settings.js';

/** A user of the site, with the IM settings this system needs. */
export interface User {
  readonly site: string;
  readonly id: string;
  readonly nickname: string;
  /** The user's IM address (bare JID, case-folded) and whether they proved they own it. */
  readonly im?: { readonly jid: string; readonly confirmed: boolean };
  /** StatusNet's `notify`: send notices by IM. */
  readonly notify: boolean;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly next?: string;
}

/** The DynamoDB access this system needs, named for what it is used for. */
export interface Store extends SiteSettingsSource {
  putSiteSettings(site: string, settings: SiteSettings): Promise<void>;

  putUser(user: User): Promise<void>;
  getUser(site: string, id: string): Promise<User | undefined>;
  getUsers(site: string, ids: readonly string[]): Promise<User[]>;
  findUserByNickname(site: string, nickname: string): Promise<User | undefined>;
  /** Only confirmed addresses are indexed. */
  findUserByJid(site: string, bareJid: string): Promise<User | undefined>;

  follow(site: string, subscriberId: string, authorId: string): Promise<void>;
  /** The ids of the users who follow `authorId`, a page at a time. */
  listSubscribers(site: string, authorId: string, cursor?: string, limit?: number): Promise<Page<string>>;

  /** Stores a notice once; returns false when a notice with that id already exists. */
  saveNotice(site: string, notice: Notice): Promise<boolean>;
  getNotice(site: string, id: string): Promise<Notice | undefined>;
  /** Allocates the next notice id of a site (StatusNet's notice ids are a sequence). */
  nextNoticeId(site: string): Promise<string>;

  /**
   * Idempotency record: stores `value` under `key` unless a live record exists, and
   * returns whichever value is stored. Expired records count as absent.
   */
  rememberFirst(site: string, key: string, value: string, ttlSeconds: number): Promise<string>;
}
