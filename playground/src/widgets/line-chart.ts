/**
 * A small SVG line chart of time series (the Health tab: latency, error rate, fuel): one
 * polyline per series, a dot per sample, the y axis from 0 to a rounded maximum, the first and
 * last times under the x axis, and a legend. No library: about 1 kB of code for what the tab needs.
 */

const SVG = "http://www.w3.org/2000/svg";

export interface Series {
  readonly label: string;
  /** A CSS class giving the series its colour (`series-a`, `series-b`, ...). */
  readonly className: string;
  /** [time in ms, value or null (no value at that time)]. */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

export interface ChartSpec {
  /** Names the chart in the page (`data-chart`). */
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

/** A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Maps samples to pixel coordinates inside a `width` × `height` plot (y grows downwards). */
export function project(points: Series["points"], x0: number, x1: number, yMax: number, width: number, height: number): Array<[number, number]> {
  const span = x1 - x0 || 1;
  return points.flatMap(([x, y]) => (y === null ? [] : [[((x - x0) / span) * width, height - (y / yMax) * height] as [number, number]]));
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const clock = (at: number): string => new Date(at).toLocaleTimeString();

/** The chart as an `<figure>` with an SVG and a legend; an empty chart says it has no samples. */
export function lineChart(spec: ChartSpec): HTMLElement {
  const width = spec.width ?? 480;
  const height = spec.height ?? 160;
  const pad = { left: 48, right: 8, top: 8, bottom: 22 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const figure = document.createElement("figure");
  figure.className = "chart";
  figure.dataset["chart"] = spec.key;
  const caption = document.createElement("figcaption");
  caption.textContent = spec.title;
  const all = spec.series.flatMap((series) => series.points);
  const values = all.flatMap(([, y]) => (y === null ? [] : [y]));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${spec.title}: ${values.length} samples` });
  figure.append(caption, svg);
  if (values.length === 0) {
    svg.append(el("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "no samples yet: make a few calls"));
    return figure;
  }
  const times = all.map(([x]) => x);
  const x0 = Math.min(...times);
  const x1 = Math.max(...times);
  const yMax = niceMax(Math.max(...values));
  const plot = el("g", { transform: `translate(${pad.left} ${pad.top})` });
  for (const fraction of [0, 0.5, 1]) {
    const y = plotH - fraction * plotH;
    plot.append(el("line", { x1: 0, x2: plotW, y1: y, y2: y, class: "chart-grid" }));
    plot.append(el("text", { x: -6, y: y + 4, "text-anchor": "end", class: "chart-label" }, `${+(fraction * yMax).toPrecision(3)}${spec.unit}`));
  }
  plot.append(el("text", { x: 0, y: plotH + 16, class: "chart-label" }, clock(x0)));
  plot.append(el("text", { x: plotW, y: plotH + 16, "text-anchor": "end", class: "chart-label" }, clock(x1)));
  for (const series of spec.series) {
    const points = project(series.points, x0, x1, yMax, plotW, plotH);
    if (points.length === 0) continue;
    const group = el("g", { class: `chart-series ${series.className}`, "data-series": series.label });
    if (points.length > 1) group.append(el("polyline", { points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
    for (const [x, y] of points) group.append(el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5 }));
    plot.append(group);
  }
  svg.append(plot);
  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  for (const series of spec.series) {
    const item = document.createElement("li");
    item.className = series.className;
    item.textContent = series.label;
    legend.append(item);
  }
  figure.append(legend);
  return figure;
}
