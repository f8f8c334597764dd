/**
 * The speed-test providers: one entry each. Everything provider-specific that the API, the pages and the
 * database need (the test-type enum, labels, latency help, how the form picks a target) derives from here,
 * so a provider is added with its file and one line below.
 */
import { iperf3 } from "./iperf3";
import { libreSpeed } from "./librespeed";
import type { ProviderConfig, ProviderDefinition, SpeedTestProvider } from "./provider";
import { speedtestNet } from "./speedtestnet";

export const PROVIDERS = {
  speedtest: speedtestNet,
  librespeed: libreSpeed,
  iperf3,
} satisfies Record<string, ProviderDefinition>;

export type ProviderId = keyof typeof PROVIDERS;

/** Every provider ID, in the registry's order (the pages' order); the first is the default. */
export const PROVIDER_IDS = Object.keys(PROVIDERS) as [ProviderId, ...ProviderId[]];

export type Providers = Record<ProviderId, SpeedTestProvider>;

/** One provider instance per entry, with its settings from the configuration. */
export function createProviders(config: ProviderConfig): Providers {
  return Object.fromEntries(PROVIDER_IDS.map((id) => [id, PROVIDERS[id].create(config)])) as Providers;
}

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(PROVIDERS, value);
}
