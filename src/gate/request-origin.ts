/**
 * The base URL for report links: `server.publicUrl` when configured, else the origin the client
 * used to reach this gateway (so the link in a denial works for the person who reads it), else
 * the last origin seen, else the listen address.
 */
import type { Context } from 'koa';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export class RequestOrigin {
  private lastSeen: string | undefined;

  constructor(private readonly publicUrl: string | undefined, private readonly fallback: string) {}

  /** The base for links in an answer to this request. */
  of(ctx: Pick<Context, 'protocol' | 'get'>): string {
    if (this.publicUrl) return this.publicUrl;
    const host = ctx.get('host');
    if (!HOST.test(host)) return this.base();
    this.lastSeen = `${ctx.protocol}://${host}`;
    return this.lastSeen;
  }

  /** The base for links made outside a request (background rescans). */
  base(): string {
    return this.publicUrl ?? this.lastSeen ?? this.fallback;
  }

  reportUrl(digest: string, base = this.base()): string {
    return `${base}/api/v1/reports/${digest}`;
  }
}
