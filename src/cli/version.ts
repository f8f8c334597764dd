/** `netronome version`. */
import { buildInfo } from "../core/build-info";
import { keyFingerprint } from "../update/verify";

function releaseLine(): string {
  if (!buildInfo.releasePlatform) return "from source";
  const from = buildInfo.repository ? ` from ${buildInfo.repository}` : "";
  const updates = buildInfo.updateKey ? `signed updates (key ${keyFingerprint(buildInfo.updateKey)})` : "unsigned";
  return `${buildInfo.releasePlatform}${from}, ${updates}`;
}

export function versionText(): string {
  return [
    `netronome ${buildInfo.version}`,
    `commit:   ${buildInfo.commit}`,
    `built:    ${buildInfo.buildDate}`,
    `bun:      ${buildInfo.bun}`,
    `os/arch:  ${buildInfo.platform}`,
    `release:  ${releaseLine()}`,
  ].join("\n");
}
