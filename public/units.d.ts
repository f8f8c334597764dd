// Types of units.js for the server's views (the browser loads the JavaScript as it is).
export declare function rateParts(mbps: number | null | undefined): { value: string; unit: "Mbit/s" | "Gbit/s" };
export declare function rate(mbps: number | null | undefined): string;
export declare function rateScale(maxMbps: number | null | undefined): { unit: "Mbit/s" | "Gbit/s"; divisor: number };
export declare function ms(value: number | null | undefined): string;
export declare function percent(value: number | null | undefined): string;
export declare function tick(value: number | null | undefined, step: number | null | undefined): string;
export declare function change(
  now: number | null | undefined,
  before: number | null | undefined,
  kind: "rate" | "time",
): number | null;
export declare function dateTime(
  moment: Date | number,
  timezone: string,
  style?: "datetime" | "short" | "time" | "date",
): string;
export declare function relative(moment: Date | number, now?: number): string;
