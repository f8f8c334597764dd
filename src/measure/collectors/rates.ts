/** How rates are written: vnstat's live `ratestring` (bits, decimal units) and the peaks' strings (bytes, IEC). */

const BIT_UNITS = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"] as const;
const BYTE_UNITS = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"] as const;

/** As vnstat's default (RateUnit 1, RateUnitMode 1): "0 bit/s", "840 bit/s", "84.00 kbit/s", "49.97 Mbit/s". */
export function vnstatRateString(bytesPerSecond: number): string {
  let value = bytesPerSecond * 8;
  let unit = 0;
  while (value >= 1000 && unit < BIT_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bit/s` : `${value.toFixed(2)} ${BIT_UNITS[unit]}`;
}

/** As the original agent's peaks: "0 B/s", "512.00 B/s", "1.50 KiB/s", steps of 1024 up to TiB/s. */
export function formatBytesPerSecond(bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return "0 B/s";
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${BYTE_UNITS[unit]}`;
}
