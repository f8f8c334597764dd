/**
 * scripts/install-agent.sh without --prefix, as root on the real paths, inside a private mount namespace: /etc and
 * /var are overlays on tmpfs and /opt a scratch folder, so the system user, /opt/netronome and /etc/netronome are
 * created and removed for real while the machine itself is untouched.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { describeIf, hasCommand, isRoot } from "../helpers/env";
import { installerHarness } from "../helpers/installer-harness";

const h = installerHarness();

describeIf(isRoot && hasCommand("unshare"), "needs root and unshare", "install-agent.sh on the real paths", () => {
  test("creates the system user, installs root-owned files and a config the agent user reads; uninstall removes all", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    // Inside the namespace a tmpfs covers this folder; outside it stays empty.
    const work = h.scratch();
    const inside = `
set -e
mount -t tmpfs tmpfs ${work}
mkdir -p ${work}/etc-up ${work}/etc-work ${work}/var-up ${work}/var-work ${work}/opt
mount -t overlay overlay -o lowerdir=/etc,upperdir=${work}/etc-up,workdir=${work}/etc-work /etc
mount -t overlay overlay -o lowerdir=/var,upperdir=${work}/var-up,workdir=${work}/var-work /var
mount --bind ${work}/opt /opt
bash ${h.script} --api-url ${h.gh.url} --yes
echo "user: $(id -un netronome) home=$(getent passwd netronome | cut -d: -f6) shell=$(getent passwd netronome | cut -d: -f7)"
echo "binary: $(stat -c '%U %a' /opt/netronome/netronome)"
echo "folder: $(stat -c '%U %a' /opt/netronome)"
echo "config: $(stat -c '%U %G %a' /etc/netronome/agent.toml)"
runuser -u netronome -- /bin/sh -c 'cat /etc/netronome/agent.toml >/dev/null' && echo "agent reads its config"
runuser -u netronome -- /bin/sh -c 'echo "[update]" >>/etc/netronome/agent.toml' 2>/dev/null && echo "agent CHANGED root's update settings"
chown netronome:netronome /etc/netronome/agent.toml && chmod 600 /etc/netronome/agent.toml
printf '\n# by hand\n[speedtest.iperf]\ntest_duration = 5\n' >>/etc/netronome/agent.toml
echo "units: $(ls /etc/systemd/system | grep netronome | tr '\\n' ' ')"
bash ${h.script} --api-url ${h.gh.url} --yes | grep -c wrote || true
echo "config again: $(stat -c '%U %G %a' /etc/netronome/agent.toml)"
bash ${h.script} --api-url ${h.gh.url} --yes --librespeed-token 0123456789abcdef | grep -c "wrote /etc" || true
echo "config written: $(stat -c '%U %G %a' /etc/netronome/agent.toml)"
echo "kept: $(grep -c -e '^# by hand$' -e '^\\[speedtest.iperf\\]$' -e '^test_duration = 5$' /etc/netronome/agent.toml)"
bash ${h.script} --uninstall
echo "after: user=$(id -un netronome 2>/dev/null || echo none) opt=$(ls -A /opt) etc=$(ls -d /etc/netronome 2>/dev/null || echo none) units=$(ls /etc/systemd/system | grep -c netronome || true)"
`;
    const proc = Bun.spawn(["unshare", "--mount", "--propagation", "private", "bash", "-c", inside], {
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir() },
    });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect(err).toBe(
      "warning: systemd is not running: start the agent yourself with /opt/netronome/netronome agent --config /etc/netronome/agent.toml\n".repeat(
        3,
      ),
    );
    expect(await proc.exited).toBe(0);
    expect(out).toContain("created the system user netronome");
    expect(out).toContain("user: netronome home=/var/lib/netronome shell=/usr/sbin/nologin");
    expect(out).toContain("binary: root 755");
    expect(out).toContain("folder: root 755");
    // Root's daily update reads this file ([update] api_url, repository): the agent may read it, never change it
    // (defect: it was the agent user's own file, so a compromised agent could choose what root installs and runs).
    expect(out).toContain("config: root netronome 640");
    expect(out).toContain("agent reads its config");
    expect(out).not.toContain("agent CHANGED");
    // A re-run puts right the ownership an older installer gave it, and writes nothing else.
    expect(out).toContain("config again: root netronome 640");
    expect(out).toContain("units: netronome-agent-update.service netronome-agent-update.timer netronome-agent.service");
    expect(out).toContain("\n0\n"); // the re-run wrote nothing, and kept what was added by hand
    // Setting a key rewrites the file: the same owner, group and mode, and what was added by hand is still there.
    expect(out).toContain("\n1\nconfig written: root netronome 640\nkept: 3\n");
    expect(out).toContain("the Netronome agent is uninstalled");
    expect(out).toContain("after: user=none opt= etc=none units=0");
    // Nothing reached the machine.
    expect(existsSync("/etc/netronome")).toBe(false);
    expect(Bun.spawnSync(["id", "netronome"]).exitCode).not.toBe(0);
  }, 120_000);
});
