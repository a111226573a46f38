import type { Catalog, CatalogArchive, CatalogTimeline } from '../../shared/contract/catalog';
import { madeByWords } from '../../shared/catalog-choice';
import { isFullPath } from '../../shared/full-path';
import { repositoryKey } from '../../shared/repository-name';
import { shownText } from '../../shared/shown-text';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { formatBytes } from './backup-cli-format';
import type { CliCommand } from './index';
import { formatTable } from './table';

// `repo-server backups [--in DIR | --offsite] [NAME]`: the catalog of a folder of backups (or of the
// offsite copy's remote folder), a timeline per repository.
// Names and reasons come from files in a folder anyone may have written: shown escaped and bounded.

/** The manifest's local time as written, to the second: "2026-11-22 09:31:01". */
const when = (iso: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(iso)
    ? iso.slice(0, 19).replace('T', ' ')
    : shownText(iso, { max: 30 });

const verifiedWord = (a: CatalogArchive) =>
  a.verification.state === 'verified'
    ? 'verified'
    : a.verification.state === 'failed'
      ? 'FAILED'
      : 'unchecked';

const table = (rows: string[][]) => formatTable(rows, '  ');

/** In a catalog of the offsite copy: what the offsite queue recorded of each file. */
const copyWord = (a: CatalogArchive) => {
  const copy = a.offsiteCopy;
  if (!copy) return 'not ours';
  if (copy.state === 'copied') return copy.unchanged ? 'copied, checked' : 'CHANGED since checked';
  return copy.state;
};

function timelineText(t: CatalogTimeline, catalog: Catalog): string {
  const former = t.formerNames.length
    ? ` (formerly ${t.formerNames.map((n) => `"${shownText(n)}"`).join(', ')})`
    : '';
  const head = `${shownText(t.repository)}${former}: ${t.archives.length} backup${t.archives.length === 1 ? '' : 's'}\n`;
  const offsite = catalog.source === 'offsite';
  const rows = [
    ['STARTED', 'TRIGGER', 'SIZE', 'ITEMS', 'VERIFIED', ...(offsite ? ['COPY'] : []), 'MADE BY', 'FILE'],
    ...t.archives.map((a) => [
      when(a.createdAt),
      a.trigger,
      formatBytes(a.sizeBytes),
      String(a.itemCount),
      verifiedWord(a),
      ...(offsite ? [copyWord(a)] : []),
      shownText(madeByWords(a, catalog), { max: 60 }),
      shownText(a.name, { max: 120 }) + (a.renamed ? '  (renamed)' : ''),
    ]),
  ];
  return head + table(rows);
}

export function catalogText(catalog: Catalog, timelines: CatalogTimeline[]): string {
  const archives = timelines.reduce((n, t) => n + t.archives.length, 0);
  let out = `Backups in ${catalog.folder}: ${archives} archive${archives === 1 ? '' : 's'} of ${timelines.length} repositor${timelines.length === 1 ? 'y' : 'ies'}.\n`;
  for (const t of timelines) out += '\n' + timelineText(t, catalog);
  if (catalog.others.length) {
    out += `\nOther files (never changed):\n`;
    out += table(
      catalog.others.map((o) => [o.kind, shownText(o.name, { max: 120 }), shownText(o.reason, { max: 160 })]),
    );
  }
  if (catalog.truncated)
    out += '\nThe folder holds more files than a catalog reads; only the first by name were read.\n';
  if (catalog.index.writeError) out += `\nNo index kept beside the backups: ${catalog.index.writeError}\n`;
  return out;
}

export const backupsCommand: CliCommand = {
  usage: 'backups [--in DIR | --offsite] [NAME] [--json]',
  summary:
    'list the backups in a folder (default: the automatic backup target) or on the offsite copy, per repository',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      { in: { type: 'string' }, offsite: { type: 'boolean' }, json: { type: 'boolean' } },
      true,
    );
    if (values._.length > 1) throw new CliError('Name at most one repository.', 2);
    const folder = values.in as string | undefined;
    if (folder !== undefined && values.offsite)
      throw new CliError('Give either --in DIR or --offsite, not both.', 2);
    if (folder !== undefined && !isFullPath(folder))
      throw new CliError(`--in needs a full path, such as /var/backups/repositories; not "${folder}".`, 2);
    const name = values._[0];
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Listing backups' }, async (link) => {
      const catalog = await callOrFail(
        link,
        'openCatalog',
        values.offsite ? { source: 'offsite' } : folder === undefined ? {} : { folder },
      );
      const timelines = name
        ? catalog.timelines.filter((t) =>
            [t.repository, ...t.formerNames].some((n) => repositoryKey(n) === repositoryKey(name)),
          )
        : catalog.timelines;
      if (values.json) {
        io.stdout.write(JSON.stringify({ ...catalog, timelines }, null, 2) + '\n');
        return EXIT.ok;
      }
      if (name && timelines.length === 0)
        throw new CliError(`No backups of "${shownText(name)}" in ${catalog.folder}.`, EXIT.failed);
      io.stdout.write(catalogText(catalog, timelines));
      return EXIT.ok;
    });
  },
};
