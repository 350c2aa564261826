/** The API key lives in sessionStorage only (gone when the tab closes); never in a URL, cookie or localStorage. */
const KEY = 'ams-sentinel.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
