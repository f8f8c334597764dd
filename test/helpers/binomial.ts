/** Binomial intervals for tests that check measured loss against a known drop probability. */

/** ln C(n, k), summed as logs so that n in the hundreds stays finite. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/**
 * The central interval holding at least `confidence` of Binomial(n, p): the
 * lost-probe counts a correct measurement lands in with that probability.
 */
export function binomialInterval(n: number, p: number, confidence: number): [number, number] {
  const tail = (1 - confidence) / 2;
  let cumulative = 0;
  let low = -1;
  for (let k = 0; k <= n; k++) {
    cumulative += Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
    if (low === -1 && cumulative > tail) low = k;
    if (cumulative >= 1 - tail) return [low, k];
  }
  return [low, n];
}
