import fs from 'node:fs';

// The IANA zone wall-clock times (the backup schedule's) are read in. Never throws: an empty, invalid or
// unknown TZ (an empty TZ makes Node report "Etc/Unknown", which Intl then refuses) means UTC, as the C
// library and Date already take it, said once in a warning line. The process follows the system's zone
// while it runs: Node reads /etc/localtime once at start, so when that file changes, TZ is cleared (it
// was not set) and Node looks again. The CLI and the server read the zone by the same rules.

const SYSTEM_ZONE_FILE = '/etc/localtime';

const knownZones = new Map<string, boolean>();

/** Whether Intl accepts the zone (results kept: Intl.DateTimeFormat is not cheap to make). */
export function isKnownTimeZone(zone: string | undefined): zone is string {
  if (!zone || zone === 'Etc/Unknown') return false;
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(zone, known);
  }
  return known;
}

let warned: string | null = null;
let systemZoneSignature: string | null | undefined;

/** How /etc/localtime is now: its link target, or its identity for a copied file; null where there is none. */
function systemZoneFileSignature(file: string): string | null {
  try {
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) return `link:${fs.readlinkSync(file)}`;
    return `file:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return null;
  }
}

export interface TimeZoneOptions {
  logger?: Pick<Console, 'warn'>;
  /** The file whose change means the system's zone changed (tests point it elsewhere). */
  systemZoneFile?: string;
}

/** The zone this process reads wall-clock times in now, e.g. "Europe/Berlin"; "UTC" when it has none. */
export function currentTimeZone(options: TimeZoneOptions = {}): string {
  if (process.env.TZ === undefined) {
    const signature = systemZoneFileSignature(options.systemZoneFile ?? SYSTEM_ZONE_FILE);
    // The first look only records; after that a change makes Node detect the zone again.
    if (systemZoneSignature !== undefined && signature !== systemZoneSignature) delete process.env.TZ;
    systemZoneSignature = signature;
  }
  const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  if (isKnownTimeZone(resolved)) {
    warned = null;
    return resolved;
  }
  const cause =
    process.env.TZ === undefined
      ? 'the system does not name a time zone'
      : `TZ=${JSON.stringify(process.env.TZ.slice(0, 60))} is ${process.env.TZ === '' ? 'empty' : 'not a known time zone'}`;
  if (warned !== cause) {
    warned = cause;
    (options.logger ?? console).warn(`Time zone: ${cause}; schedule times are read in UTC.`);
  }
  return 'UTC';
}
