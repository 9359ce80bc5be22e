// One SVG bar chart (log scale) of the medians for one catalogue size.
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function svgChart(result, cas) {
  const rows = result.rows.filter((r) => r.case === cas).sort((a, b) => a.median - b.median);
  const W = 900, left = 430, bar = 18, gap = 6, top = 40;
  const H = top + rows.length * (bar + gap) + 40;
  const lo = Math.log10(0.05), hi = Math.log10(Math.max(...rows.map((r) => r.median)) * 1.5);
  const x = (ms) => left + ((Math.log10(Math.max(ms, 0.05)) - lo) / (hi - lo)) * (W - left - 80);
  const colour = (r) => (r.ours ? '#1b7f3b' : r.floor ? '#888' : r.runtime === 'native' ? '#3b5b9b' : '#c0643b');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Exact top-10 over ${esc(cas)} (median ms, log scale; green = cartsense wasm, grey = read floor)</text>`,
  ];
  for (const t of [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]) {
    if (Math.log10(t) > hi) break;
    parts.push(`<line x1="${x(t)}" y1="${top - 8}" x2="${x(t)}" y2="${H - 30}" stroke="#ddd"/>`,
      `<text x="${x(t)}" y="${H - 14}" text-anchor="middle" fill="#666">${t}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * (bar + gap);
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(`${r.method} · ${r.runtime}`).slice(0, 70)}</text>`,
      `<rect x="${left}" y="${y}" width="${Math.max(1, x(r.median) - left)}" height="${bar}" fill="${colour(r)}"/>`,
      `<text x="${x(r.median) + 4}" y="${y + 13}">${r.median < 10 ? r.median.toFixed(2) : r.median.toFixed(0)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
