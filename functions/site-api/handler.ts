import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readString } from '../../shared/config.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { SiteSettingsCache } from '../../shared/site-settings.js';
import { handleApiRequest } from './api.js';
import { toApiRequest, toFunctionUrlResult } from './function-url.js';

/**
 * The site API in AWS: a Lambda behind a function URL with `AuthType: AWS_IAM`, so every
 * request reaching this code was signed (SigV4) by a principal allowed to invoke it; that is
 * the authentication, and there is no token check here. The confirmation link (GET
 * /confirm/<code>) must be reachable by the address owner's browser: put it behind a public
 * route of the site (or API Gateway) that forwards to this function.
 */
const config = readHandlerConfig(process.env, ['notices', 'xmpp-out-priority']);
const runtime = createHandlerRuntime('site-api', config);
const site = readString(process.env, 'SITE');
const settings = new SiteSettingsCache(runtime.store);

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const request = toApiRequest(event);
  const response = await handleApiRequest(
    {
      site,
      store: runtime.store,
      sender: runtime.sender,
      settings,
      authorize: () => true,
      log: (message) => runtime.logger.error(message),
    },
    request,
  );
  return toFunctionUrlResult(response, request.headers.accept);
}
