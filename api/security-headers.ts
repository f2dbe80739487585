// The headers every answer carries for a browser's sake. A few lines rather than helmet: we need seven headers, each
// with a value chosen for this app (helmet's default policy would allow inline styles and https: sources, and its
// other headers we would have to review one by one anyway); here each is stated once and tested
// (test/integration/api-edge.test.ts).
import path from 'node:path';
import type { RequestHandler, Response } from 'express';

/**
 * The web UI's build loads its scripts and styles from files of its own, with no inline script or style (React and
 * Chart.js set styles through the DOM, which a policy does not restrict); the favicon is a data: URL; the UI talks
 * to its own origin only. No framing anywhere (clickjacking), no <base> or plugin tricks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** On every answer, whatever the path (and however it is spelt): API answers, errors, 404s, the UI. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Frame-Options', 'DENY'); // frame-ancestors for browsers that predate it
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // A case URL (ids in the hash, links the UI opens) must not leak to another site.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  // No other site may load our answers as scripts or images, even without CORS.
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // Answers hold business data and carry a user's view of it: no cache, shared or private, keeps them. The static
  // UI files below say otherwise for themselves.
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * express.static's setHeaders for the UI: index.html is checked again on every load (it names the current build's
 * files); the files under assets/ carry a hash of their content in their name, so a cached copy is never stale.
 */
export function staticCacheControl(staticDir: string): (res: Response, filePath: string) => void {
  const assets = path.join(staticDir, 'assets') + path.sep;
  return (res, filePath) => {
    res.setHeader('Cache-Control', filePath.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
}
