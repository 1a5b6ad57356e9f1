/**
 * Writes the suite's results: a markdown table (Plaza, each peer, ratio), the same as JSON, and an
 * SVG chart of latency and throughput against fan-out. The SVG is drawn here (a few lines of
 * markup, not worth a charting dependency).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, type Summary } from './stats.js';

export interface Row {
  /** e.g. "latency p50, 200 msg/s x 100 B, 1 -> 16" */
  measure: string;
  unit: string;
  /** 'lower' (latency, CPU) or 'higher' (throughput) is better. */
  better: 'lower' | 'higher';
  /** Fan-out, for the chart (absent: not charted). */
  fanout?: number;
  /** Chart series this row belongs to. */
  series?: 'latency-p50' | 'latency-p99' | 'max-rate';
  /** By server name. */
  results: Record<string, Summary>;
}

export interface Report {
  command: string;
  machine: string;
  date: string;
  servers: string[];
  /** Columns to read the servers against, without a ratio (the clients connected directly). */
  references: string[];
  /** Lines printed under the table's heading (what the reference columns are). */
  notes: string[];
  rows: Row[];
}

const cell = (s: Summary | undefined): string => (s ? `${fmt(s.median, s.median >= 100 ? 0 : 2)} (${fmt(s.min, s.min >= 100 ? 0 : 2)}–${fmt(s.max, s.max >= 100 ? 0 : 2)})` : '—');

export function toMarkdown(report: Report): string {
  const [plaza, ...peers] = report.servers;
  const columns = [...report.servers, ...report.references];
  const header = `| measure | unit | ${columns.join(' | ')} | ${peers.map((p) => `Plaza / ${p}`).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(2 + columns.length + peers.length)}`;
  const lines = report.rows.map((row) => {
    const ours = row.results[plaza!];
    const ratios = peers.map((peer) => {
      const theirs = row.results[peer];
      return ours && theirs && theirs.median > 0 ? `${(ours.median / theirs.median).toFixed(2)}×` : '—';
    });
    return `| ${row.measure} | ${row.unit} | ${columns.map((s) => cell(row.results[s])).join(' | ')} | ${ratios.join(' | ')} |`;
  });
  return [
    `Measured ${report.date} on ${report.machine} with \`${report.command}\`.`,
    'Medians of the repetitions, min–max in parentheses. Ratios: throughput rows want ≥ 1.5×, latency and CPU rows ≤ 1.0×.',
    ...report.notes,
    '',
    header,
    rule,
    ...lines,
    '',
  ].join('\n');
}

const COLORS = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c'];

/** Two panels: latency p50 (ms) and max sustained rate (msg/s), each against fan-out (log scale). */
export function toSvg(report: Report): string {
  const panels: Array<{ title: string; series: Row['series'] }> = [
    { title: 'one-way latency p50 (ms), 200 msg/s × 100 B', series: 'latency-p50' },
    { title: 'max sustained rate (msg/s), 1 KiB', series: 'max-rate' },
  ];
  const width = 420;
  const height = 260;
  const pad = { left: 55, right: 15, top: 30, bottom: 40 };
  const parts: string[] = [];
  panels.forEach((panel, p) => {
    const rows = report.rows.filter((r) => r.series === panel.series && r.fanout !== undefined);
    const xs = rows.map((r) => r.fanout!);
    const ys = rows.flatMap((r) => Object.values(r.results).map((s) => s.median)).filter(Number.isFinite);
    if (xs.length === 0 || ys.length === 0) return;
    const x0 = p * width;
    const maxX = Math.max(...xs);
    const maxY = Math.max(...ys) * 1.1;
    const sx = (n: number) => x0 + pad.left + (Math.log2(n) / Math.max(1, Math.log2(maxX))) * (width - pad.left - pad.right);
    const sy = (v: number) => pad.top + (1 - v / maxY) * (height - pad.top - pad.bottom);
    parts.push(`<text x="${x0 + width / 2}" y="18" text-anchor="middle" font-size="13">${panel.title}</text>`);
    parts.push(`<line x1="${x0 + pad.left}" y1="${height - pad.bottom}" x2="${x0 + width - pad.right}" y2="${height - pad.bottom}" stroke="#444"/>`);
    parts.push(`<line x1="${x0 + pad.left}" y1="${pad.top}" x2="${x0 + pad.left}" y2="${height - pad.bottom}" stroke="#444"/>`);
    for (const n of xs) parts.push(`<text x="${sx(n)}" y="${height - pad.bottom + 15}" text-anchor="middle" font-size="11">${n}</text>`);
    parts.push(`<text x="${x0 + width / 2}" y="${height - 8}" text-anchor="middle" font-size="11">subscribers</text>`);
    for (const v of [0, maxY / 2, maxY]) parts.push(`<text x="${x0 + pad.left - 5}" y="${sy(v) + 4}" text-anchor="end" font-size="10">${v >= 100 ? Math.round(v) : v.toFixed(2)}</text>`);
    [...report.servers, ...report.references].forEach((server, s) => {
      const points = rows.filter((r) => r.results[server] && Number.isFinite(r.results[server]!.median)).map((r) => ({ x: sx(r.fanout!).toFixed(1), y: sy(r.results[server]!.median).toFixed(1) }));
      if (points.length === 0) return;
      const color = COLORS[s % COLORS.length];
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(({ x, y }) => `${x},${y}`).join(' ')}"/>`);
      // Markers too: a series measured at one fan-out only (the clients-only reference) has no line.
      for (const { x, y } of points) parts.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`);
      if (p === 0) parts.push(`<text x="${x0 + pad.left + 10}" y="${pad.top + 14 * (s + 1)}" font-size="11" fill="${color}">${server}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${panels.length * width}" height="${height}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

export function writeReport(report: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'latest.md'), path.join(dir, 'latest.json'), path.join(dir, 'latest.svg')];
  writeFileSync(files[0]!, toMarkdown(report));
  writeFileSync(files[1]!, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files[2]!, toSvg(report));
  return files;
}
