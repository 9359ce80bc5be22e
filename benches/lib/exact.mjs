// Exact reference top-10 for the recall of a peer (no Node imports: also used in Chromium).

/** Exact top-10 of `q` under a metric, for the recall of a peer. */
export function exactTop(emb, n, d, q, metric) {
  const s = new Float64Array(n);
  let qn = 0;
  for (let j = 0; j < d; j++) qn += q[j] * q[j];
  for (let i = 0; i < n; i++) {
    let dot = 0, nn = 0;
    for (let j = 0; j < d; j++) {
      const x = emb[i * d + j];
      dot += x * q[j];
      nn += x * x;
    }
    s[i] = metric === 'cosine' ? dot / Math.sqrt(nn * qn) : metric === 'l2' ? 2 * dot - nn : dot;
  }
  return Array.from(s.keys()).sort((a, b) => s[b] - s[a]).slice(0, 10);
}

export const recall = (got, want) => got.filter((x) => want.includes(x)).length / want.length;
