import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

interface TimeSeriesChartProps {
  title: string;
  /** Bucket starts, in seconds since the epoch. */
  times: number[];
  series: ChartSeries[];
  /** Formats an axis value (ms, USD…). */
  format?: (value: number) => string;
  /** The period shown, in seconds since the epoch: the axis spans it even where buckets are missing. */
  period: [number, number];
}

/** A line chart over time buckets, drawn by uPlot on a canvas; redrawn when the data changes and on resize. */
export function TimeSeriesChart({ title, times, series, format, period }: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 240),
      height: 200,
      series: [{}, ...series.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: true }))],
      scales: { x: { time: true, range: () => period } },
      axes: [{}, { values: (_chart, ticks) => ticks.map((tick) => (format ? format(tick) : String(tick))), size: 80 }],
      legend: { show: true },
    };
    const chart = new uPlot(options, [times, ...series.map((line) => line.values)], element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 240), height: 200 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [times, series, format, period]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={container} />
    </figure>
  );
}
