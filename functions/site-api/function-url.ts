import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ApiRequest, type ApiResponse, renderResponse } from './http.js';

/** A Lambda function URL event (payload format 2.0) as the router's request. */
export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    event.body !== undefined && event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;
  return { method: event.requestContext.http.method, path: event.rawPath, headers, body };
}

export function toFunctionUrlResult(
  response: ApiResponse,
  accept?: string,
): APIGatewayProxyStructuredResultV2 {
  const { contentType, body } = renderResponse(response, accept);
  return { statusCode: response.status, headers: { 'content-type': contentType }, body };
}
