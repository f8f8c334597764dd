/**
 * Temperatures grouped as the agent groups them (CPU, storage, power, system). The original agent sends no
 * category, so its sensors are grouped by their key and label.
 */
import type { TemperatureCategory, TemperatureReading } from "../../src/protocol/agent";

export const GROUP_LABEL: Record<TemperatureCategory, string> = {
  cpu: "CPU",
  storage: "Storage",
  power: "Power",
  system: "System",
};

const GUESSES: [TemperatureCategory, RegExp][] = [
  ["cpu", /cpu|core|package|k10temp|coretemp|tctl|tdie|zenpower/i],
  ["storage", /nvme|sata|ata\d|disk|drive|hdd|ssd|smart_/i],
  ["power", /psu|power|vrm|battery|bat\d|charger/i],
];

export function categoryOf(reading: TemperatureReading): TemperatureCategory {
  if (reading.category) return reading.category;
  const text = `${reading.sensor_key} ${reading.label}`;
  return GUESSES.find(([, pattern]) => pattern.test(text))?.[0] ?? "system";
}

export function temperatureGroups(readings: readonly TemperatureReading[]) {
  const order: TemperatureCategory[] = ["cpu", "storage", "power", "system"];
  return order
    .map((category) => ({
      category,
      label: GROUP_LABEL[category],
      readings: readings.filter((r) => categoryOf(r) === category),
    }))
    .filter((g) => g.readings.length > 0);
}

/** Near (≥ 90 %) or past the sensor's critical value; a sensor without one is judged against 85 °C. */
export function temperatureLevel(r: TemperatureReading): "ok" | "warn" | "bad" {
  const limit = r.critical > 0 ? r.critical : 85;
  if (r.temperature >= limit) return "bad";
  return r.temperature >= limit * 0.9 ? "warn" : "ok";
}
