/**
 * Low-level network errors as plain English: Node-style errno codes become what happened, and a message that lists
 * the same cause once per URL it tried ("…: getaddrinfo ENOTFOUND x; getaddrinfo ENOTFOUND x; …") says it once.
 * Messages that are already plain pass through unchanged.
 */

const PATTERNS: readonly [RegExp, (m: RegExpMatchArray) => string][] = [
  [/getaddrinfo ENOTFOUND\s+(\S+)/, (m) => `${m[1]} could not be found (DNS lookup failed)`],
  [/getaddrinfo EAI_AGAIN\s+(\S+)/, (m) => `the DNS lookup of ${m[1]} failed for now (try again later)`],
  [/getaddrinfo (?:ENOTFOUND|EAI_AGAIN|ENODATA)\b/, () => "the name could not be resolved (DNS lookup failed)"],
  [/\bECONNREFUSED\b/, () => "the connection was refused"],
  [/\bECONNRESET\b|socket connection was closed unexpectedly/i, () => "the connection was closed unexpectedly"],
  [/\bETIMEDOUT\b|operation timed out|TimeoutError/i, () => "the connection timed out"],
  [/\bEHOSTUNREACH\b/, () => "the host is unreachable"],
  [/\bENETUNREACH\b/, () => "the network is unreachable"],
  [
    /\b(?:CERT_HAS_EXPIRED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)\b/,
    () => "its TLS certificate is not valid",
  ],
];

function plainCause(cause: string): string {
  for (const [pattern, say] of PATTERNS) {
    const m = cause.match(pattern);
    if (m) return say(m);
  }
  return cause.trim();
}

export function plainError(message: string): string {
  const colon = message.indexOf(": ");
  // "What failed: cause; cause; …" keeps what failed and says each distinct cause once.
  const rest = message.slice(colon + 2);
  const split = colon > 0 && (rest.includes("; ") || PATTERNS.some(([pattern]) => pattern.test(rest)));
  const [head, body] = split ? [message.slice(0, colon), message.slice(colon + 2)] : ["", message];
  const causes = [...new Set(body.split(/;\s+/).map(plainCause))];
  const text = causes.join("; ");
  return head ? `${head}: ${text}` : text;
}
