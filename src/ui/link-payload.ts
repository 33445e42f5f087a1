// The codec for what a shared link carries beyond a few words: an edited scenario's text and the
// person's actions, each compressed (CompressionStream "deflate-raw", RFC 1951) and written in
// base64url (RFC 4648 §5: no "+", "/" or "=", so nothing in it needs escaping in a URL).
//
// Owns: encoding and decoding of one payload, and the bounds that keep a link shareable and a
// damaged or hostile link harmless (a payload that would inflate beyond PAYLOAD_TEXT_MAX_CHARS is
// refused before it fills memory). Never: reads the address bar, validates what the text means
// (the scenario validator and url-params.ts do), or throws at the page: decoding returns an outcome
// with a sentence that says what is wrong.

/**
 * The longest link the Share button hands out. RFC 9110 §4.1 recommends that senders and
 * recipients support URIs of at least 8,000 octets; servers, proxies and chat tools commonly cut
 * longer ones, so a longer link is refused with an explanation rather than handed out broken.
 */
export const SHARE_LINK_CHARS_MAX = 8_000;

/** The most text one payload may inflate to (a scenario file is a few KB; the largest in the library is ~4 KB). */
export const PAYLOAD_TEXT_MAX_CHARS = 256 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type Decoded = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

/** Compresses `text` and writes it in base64url. */
export async function encodePayload(text: string): Promise<string> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return toBase64Url(bytes);
}

/**
 * Reads a payload written by encodePayload. Anything else (a cut link, a stray character, bytes
 * that are not deflate data, text that is not UTF-8, too much text) is an error in words.
 */
export async function decodePayload(payload: string): Promise<Decoded> {
  if (payload === '') return { ok: false, error: 'it is empty' };
  if (!BASE64URL.test(payload)) {
    const bad = [...payload].find((ch) => !BASE64URL.test(ch)) ?? '';
    return { ok: false, error: `it holds ${JSON.stringify(bad)}, which base64url never writes (only A-Z, a-z, 0-9, "-" and "_"); was the link cut or edited?` };
  }
  if (payload.length % 4 === 1) return { ok: false, error: 'its length cannot be base64url (a character is missing or extra); was the link cut?' };
  const bytes = fromBase64Url(payload);
  let inflated: Uint8Array;
  try {
    inflated = await inflateBounded(bytes, PAYLOAD_TEXT_MAX_CHARS * 4);
  } catch (error) {
    if (error instanceof TooLargeError) return { ok: false, error: `it inflates to more than ${PAYLOAD_TEXT_MAX_CHARS.toLocaleString('en-US')} characters` };
    return { ok: false, error: 'it is not compressed data this page wrote (the link may be cut or damaged)' };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch {
    return { ok: false, error: 'it does not hold UTF-8 text' };
  }
  if (text.length > PAYLOAD_TEXT_MAX_CHARS) return { ok: false, error: `it inflates to more than ${PAYLOAD_TEXT_MAX_CHARS.toLocaleString('en-US')} characters` };
  return { ok: true, text };
}

class TooLargeError extends Error {}

/** Inflates `bytes`, giving up as soon as the output passes `maxBytes` (a small link cannot fill memory). */
async function inflateBounded(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLargeError();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    if (b !== undefined) out += ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    if (c !== undefined) out += ALPHABET[c & 63]!;
  }
  return out;
}

function fromBase64Url(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of text) {
    value = (value << 6) | ALPHABET.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, index);
}
