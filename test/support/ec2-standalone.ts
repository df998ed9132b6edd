/**
 * The EC2 model alone on a scenario file, for calibration and for its own benchmark:
 *
 *   node --import tsx test/support/ec2-standalone.ts scenarios/aws-2025-10-20.yaml [--scale 0.1] [--epoch 1]
 *        [--window 60] [--json] [--print-every 10]
 *
 * Models: the DynamoDB outage as the EC2 hosts see it, derived from the scenario's DNS section instead of the DNS
 * race: the endpoint is empty from the end of the first Enactor stall (the stale plan applied, then deleted) to
 * the first dns-repair action, and each host's resolver keeps an empty answer for clients.negativeTtlS (5 s
 * without clients). The full engine replaces all of that with the simulated race and the real DdbCaller.
 * `--scale f` multiplies droplets, DWFM hosts, launch rates, Network Manager capacity and NLB counts by f (per-host
 * and per-NLB figures unchanged), which keeps the timeline's dynamics while running f times faster.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type Ec2Action, type Ec2Config, ec2ActionSchema, ec2Schema, EC2_ACTION_KINDS } from '../../src/config/ec2-schema.ts';
import { runEc2 } from './ec2-harness.ts';
import { buildTimeline, clockAt } from '../../src/model/ec2/timeline.ts';

export function scaleEc2(cfg: Ec2Config, f: number): Ec2Config {
  if (f === 1) return cfg;
  const c = structuredClone(cfg);
  c.droplets = Math.max(1, Math.round(cfg.droplets * f));
  c.dwfm.hosts = Math.max(1, Math.round(cfg.dwfm.hosts * f));
  c.launches.ratePerS = cfg.launches.ratePerS * f;
  if (cfg.launches.terminationsPerS !== null) c.launches.terminationsPerS = cfg.launches.terminationsPerS * f;
  c.network.capacityPerS = cfg.network.capacityPerS * f;
  c.nlb.loadBalancers = Math.max(1, Math.round(cfg.nlb.loadBalancers * f));
  if (cfg.nlb.cellsPerAz !== null) c.nlb.cellsPerAz = Math.max(1, Math.round(cfg.nlb.cellsPerAz * f));
  return c;
}

export function scaleActions(actions: Ec2Action[], f: number): Ec2Action[] {
  return actions.map((a) => {
    if (a.do === 'throttle') {
      return {
        ...a,
        leaseAdmitPerS: a.leaseAdmitPerS === null ? null : a.leaseAdmitPerS * f,
        launchesPerS: a.launchesPerS === null ? null : a.launchesPerS * f,
      };
    }
    if (a.do === 'relax') return { ...a, toLaunchesPerS: a.toLaunchesPerS === null ? null : a.toLaunchesPerS * f };
    return a;
  });
}

interface ScenarioLike {
  name?: string;
  durationS?: number;
  seed?: number;
  sim?: { epochS?: number; windowS?: number };
  dns?: {
    faults?: { kind?: string; atS: number; stallS?: number }[];
    planner?: { periodS?: number };
    cleanup?: { keepGenerations?: number };
  };
  actions?: { atS: number; do: string }[];
  clients?: { negativeTtlS?: number; ttlS?: number } | null;
  ec2?: unknown;
}

export function loadEc2Scenario(path: string): {
  raw: ScenarioLike;
  cfg: Ec2Config;
  actions: Ec2Action[];
  outage: { fromS: number; toS: number } | null;
} {
  const raw = parse(readFileSync(path, 'utf8')) as ScenarioLike;
  const cfg = ec2Schema.parse(raw.ec2 ?? {});
  const kinds: readonly string[] = EC2_ACTION_KINDS;
  const actions = (raw.actions ?? []).filter((a) => kinds.includes(a.do)).map((a) => ec2ActionSchema.parse(a));
  const fault = raw.dns?.faults?.[0];
  const repair = (raw.actions ?? []).find((a) => a.do === 'dns-repair');
  // A fixed stall ends when it says; the adversarial trigger lands the stale write when the race window opens,
  // about keepGenerations + 1 plan periods after the check (the engine's runs find the exact time).
  const windowS = ((raw.dns?.cleanup?.keepGenerations ?? 10) + 1) * (raw.dns?.planner?.periodS ?? 5) + 1;
  const outage = fault ? { fromS: fault.atS + (fault.stallS ?? windowS), toS: repair ? repair.atS : Infinity } : null;
  return { raw, cfg, actions, outage };
}

function main(): void {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--')) ?? 'scenarios/aws-2025-10-20.yaml';
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const scale = opt('scale', 1);
  const { raw, cfg, actions, outage } = loadEc2Scenario(path);
  const scaled = scaleEc2(cfg, scale);
  const durationS = raw.durationS ?? 3600;
  const windowS = opt('window', raw.sim?.windowS ?? 60);
  const epochS = opt('epoch', raw.sim?.epochS ?? 1);
  const every = opt('print-every', 10);
  const json = args.includes('--json');
  const origin = cfg.clockOrigin;
  const r = runEc2(scaled, {
    durationS,
    epochS,
    windowS,
    seed: raw.seed ?? 1,
    outage,
    actions: scaleActions(actions, scale),
    negativeTtlS: raw.clients?.negativeTtlS ?? 5,
    ttlS: raw.clients?.ttlS ?? 5,
    onWindow: (w) => {
      if (json || w.index % every !== 0) return;
      const t = origin ? clockAt(origin, w.fromS) : '';
      console.log(
        [
          `${String(w.fromS).padStart(6)}s ${t}`,
          `ddbErr ${w.ddb.failureShare.toFixed(2)}`,
          `lost ${w.leases.lost}`,
          `queue ${w.leases.backlog}`,
          `est/s ${w.leases.goodputPerS.toFixed(1)}`,
          `waste ${w.leases.wastedShare?.toFixed(2) ?? '-'}`,
          `CI ${w.leases.collapseIndex.toFixed(2)}`,
          `launchOK ${w.launches.successRate?.toFixed(2) ?? '-'}`,
          `pend ${w.launches.pending}`,
          `nmBacklog ${w.network.backlogUnits.toFixed(0)}`,
          `propS ${w.network.propagationDelayS.toFixed(0)}`,
          `unprop ${w.nlb.unpropagatedInService}`,
          `flap/s ${w.nlb.flapRatePerS.toFixed(1)}`,
          `hcU ${w.nlb.hcUtilizationMax.toFixed(2)}`,
          `azOut ${w.nlb.removedAzs}`,
          `nlbErr ${w.nlb.errorRate.toFixed(3)}`,
        ].join('  '),
      );
    },
  });
  const timeline = origin ? buildTimeline(r.summary, origin) : [];
  if (json) {
    console.log(JSON.stringify({ scale, wallMs: r.wallMs, summary: r.summary, timeline, windows: r.windows }));
    return;
  }
  console.log(JSON.stringify(r.summary, null, 1));
  for (const e of timeline) {
    console.log(
      `${e.event.padEnd(22)} sim ${e.simulatedClock ?? '-'} (${e.simulatedAtS ?? '-'} s)  aws ${e.awsClock} (${e.awsAtS} s)  ` +
        `off ${e.offsetShare === null ? '-' : `${(100 * e.offsetShare).toFixed(1)}%`}`,
    );
  }
  console.log(`scale ${scale}: ${durationS} s simulated in ${(r.wallMs / 1000).toFixed(1)} s wall`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
