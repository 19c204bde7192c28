import { TesseraError } from '../core/errors';

/**
 * Fetch a file shipped with the app (demo scans, built-in models). Offline and not cached, the service
 * worker answers 504 at once and a stopped server refuses at once: either way one line naming the file,
 * instead of the browser's "Failed to fetch".
 */
export async function fetchShipped(url: string): Promise<Response> {
  const name = url.split('/').pop() || url;
  let r: Response;
  try {
    r = await fetch(url);
  } catch {
    throw new TesseraError(
      'not-found',
      name,
      'could not be fetched: the network is gone and it is not cached',
    );
  }
  if (r.status === 504)
    throw new TesseraError(
      'not-found',
      name,
      'is not available offline (open the page once while online so that it is cached)',
    );
  if (!r.ok) throw new TesseraError('not-found', name, `could not be fetched (HTTP ${r.status})`);
  return r;
}
