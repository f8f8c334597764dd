/**
 * Temperatures from the kernel's hwmon drivers (/sys/class/hwmon: coretemp, k10temp, nvme, drivetemp, acpitz,
 * batteries…), or from thermal zones when no hwmon driver reports any. Each reading is grouped for the UI: cpu,
 * storage, power or system. Disk temperatures need no root: NVMe drives report through hwmon, SATA drives through the
 * `drivetemp` kernel module.
 */
import { realpathSync } from "node:fs";
import type { TemperatureCategory, TemperatureReading } from "../../protocol/agent";
import { type Collector, type CollectorContext, type CollectorDefinition, reportUnsupported } from "./collector";
import { listDir, readInteger, readTrimmed } from "./procfs";

export interface TemperaturesCollector extends Collector {
  read(): TemperatureReading[];
}

/** Readings outside this range (°C) are sensor errors: disconnected probes report 0 or absurd values. */
const PLAUSIBLE_MIN = 0;
const PLAUSIBLE_MAX = 200;

const CATEGORY_PATTERNS: readonly [TemperatureCategory, RegExp][] = [
  ["cpu", /^(coretemp|k8temp|k10temp|zenpower|via_cputemp|x86_pkg_temp|cpu|soc)|cpu|tdie|tctl|package/i],
  ["storage", /^(nvme|drivetemp|sata|hdd|ssd|smart|nand)/i],
  ["power", /^(bat\d|ac$|adp\d|psu|ucsi|charger)|battery|power_supply/i],
];

/** The UI group of a sensor, from its driver name and label. */
export function categorize(driver: string, label: string): TemperatureCategory {
  for (const [category, pattern] of CATEGORY_PATTERNS) if (pattern.test(driver)) return category;
  // Labels help for generic drivers (e.g. an ACPI zone labelled "CPU").
  if (/\b(cpu|core|package)\b/i.test(label)) return "cpu";
  return "system";
}

/** Degrees from millidegrees, to one decimal; null when missing or implausible. */
function celsius(milli: number | null): number | null {
  if (milli === null) return null;
  const c = Math.round(milli / 100) / 10;
  return c > PLAUSIBLE_MIN && c <= PLAUSIBLE_MAX ? c : null;
}

const keyPart = (s: string) => s.trim().toLowerCase().replace(/\s+/g, "_");

interface RawReading extends TemperatureReading {
  device: string;
}

function hwmonReadings(sys: string): RawReading[] {
  const root = `${sys}/class/hwmon`;
  const out: RawReading[] = [];
  for (const hwmon of listDir(root).sort(byNumber)) {
    const dir = `${root}/${hwmon}`;
    const driver = readTrimmed(`${dir}/name`) || readTrimmed(`${dir}/device/name`) || hwmon;
    const device = deviceName(`${dir}/device`);
    // Storage sensors are named after the drive, so two NVMe drives are told apart.
    const model = readTrimmed(`${dir}/device/model`);
    for (const file of listDir(dir)
      .filter((f) => /^temp\d+_input$/.test(f))
      .sort(byNumber)) {
      const base = file.slice(0, -"_input".length);
      const temperature = celsius(readInteger(`${dir}/${file}`));
      if (temperature === null) continue;
      const sensorLabel = readTrimmed(`${dir}/${base}_label`);
      const critical = celsius(readInteger(`${dir}/${base}_crit`)) ?? celsius(readInteger(`${dir}/${base}_max`)) ?? 0;
      const category = categorize(driver, sensorLabel);
      out.push({
        sensor_key: sensorLabel ? `${keyPart(driver)}_${keyPart(sensorLabel)}` : keyPart(driver),
        temperature,
        label: [category === "storage" ? model : "", sensorLabel || driver].filter(Boolean).join(" "),
        critical,
        category,
        device,
      });
    }
  }
  return out;
}

function thermalZoneReadings(sys: string): RawReading[] {
  const root = `${sys}/class/thermal`;
  const out: RawReading[] = [];
  for (const zone of listDir(root)
    .filter((z) => z.startsWith("thermal_zone"))
    .sort(byNumber)) {
    const type = readTrimmed(`${root}/${zone}/type`) || zone;
    const temperature = celsius(readInteger(`${root}/${zone}/temp`));
    if (temperature === null) continue;
    const tripTypes = listDir(`${root}/${zone}`).filter((f) => /^trip_point_\d+_type$/.test(f));
    const criticalTrip = tripTypes.find((f) => readTrimmed(`${root}/${zone}/${f}`) === "critical");
    const critical = criticalTrip
      ? (celsius(readInteger(`${root}/${zone}/${criticalTrip.replace("_type", "_temp")}`)) ?? 0)
      : 0;
    out.push({
      sensor_key: keyPart(type),
      temperature,
      label: type,
      critical,
      category: categorize(type, ""),
      device: zone,
    });
  }
  return out;
}

function byNumber(a: string, b: string): number {
  return Number(a.match(/\d+/)?.[0] ?? 0) - Number(b.match(/\d+/)?.[0] ?? 0) || a.localeCompare(b);
}

function deviceName(link: string): string {
  try {
    return realpathSync(link).split("/").pop() ?? "";
  } catch {
    return "";
  }
}

/** Sensor keys made unique: a repeated key gets its device (nvme_composite_nvme1) or a counter. */
export function uniqueKeys(readings: RawReading[]): TemperatureReading[] {
  const counts = new Map<string, number>();
  for (const r of readings) counts.set(r.sensor_key, (counts.get(r.sensor_key) ?? 0) + 1);
  const seen = new Set<string>();
  return readings.map(({ device, ...reading }) => {
    let key = reading.sensor_key;
    if ((counts.get(key) ?? 0) > 1 && device) key = `${key}_${keyPart(device)}`;
    for (let n = 2; seen.has(key); n++) key = `${reading.sensor_key}_${n}`;
    seen.add(key);
    return { ...reading, sensor_key: key };
  });
}

export function readTemperatures(sys: string): TemperatureReading[] {
  const hwmon = hwmonReadings(sys);
  return uniqueKeys(hwmon.length ? hwmon : thermalZoneReadings(sys));
}

function create(ctx: CollectorContext): TemperaturesCollector {
  const { sys } = ctx.paths;
  const found = readTemperatures(sys).length > 0;
  const unsupported = found
    ? null
    : reportUnsupported(ctx, "Temperatures", `no sensors in ${sys}/class/hwmon or ${sys}/class/thermal`);
  return { unsupported, read: () => (unsupported ? [] : readTemperatures(sys)) };
}

export const temperatures = {
  label: "Temperatures",
  systemMetric: true,
  create,
} satisfies CollectorDefinition<TemperaturesCollector>;
