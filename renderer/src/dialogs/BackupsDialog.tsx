import { useEffect, useRef, useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import type {
  ItemVersionHit,
  ItemVersionSearch,
  ArchiveItemPreview,
  ArchiveItems,
  Catalog,
  CatalogArchive,
  RestoreItemsResult,
} from '../../../electron/shared/contract/catalog';
import { madeByWords } from '../../../electron/shared/catalog-choice';
import { formatSize } from '../../../electron/shared/format-size';
import { FOLDER_EXAMPLE, fullPathProblem } from '../../../electron/shared/full-path';
import { sameRepositoryName } from '../../../electron/shared/repository-name';
import { useApi } from '../api/context';
import { formatDateTime, formatRelative } from '../format/time';
import { useConnected } from '../state/connection';
import { useNow } from '../state/live';
import { AppDialog, FormError } from './AppDialog';
import { ArchiveItemPreviewPanel } from './ArchiveItemPreviewPanel';
import { RadioChoices, TextInput } from './fields';

// "Backups…": a folder of backups as a timeline per repository (the catalog), one backup's items with a
// filter and a preview, and restoring selected items as new versions (or into a new repository).

const verifiedWords: Record<CatalogArchive['verification']['state'], string> = {
  verified: 'Verified',
  failed: 'Failed its check',
  unchecked: 'Not checked yet',
};

/** What the offsite queue recorded of an archive of the offsite copy. */
function copyWords(a: CatalogArchive): string {
  const copy = a.offsiteCopy;
  if (!copy) return 'Not copied by this server';
  if (copy.state === 'copied') return copy.unchanged ? 'Copied and checked' : 'Changed since it was checked';
  return copy.state;
}

type Source = 'target' | 'offsite' | 'other';

const sourceChoices: Array<{ value: Source; label: string }> = [
  { value: 'target', label: 'The target folder' },
  { value: 'offsite', label: 'The offsite copy' },
  { value: 'other', label: 'Another folder…' },
];

interface BackupsDialogProps {
  repositoryNames: string[];
  onClose(): void;
}

export function BackupsDialog({ repositoryNames, onClose }: BackupsDialogProps) {
  const api = useApi();
  const connected = useConnected();
  const [source, setSource] = useState<Source>('target');
  const [folder, setFolder] = useState('');
  const [folderError, setFolderError] = useState<string | null>(null);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>('Reading the backups’ manifests…');
  const [archive, setArchive] = useState<CatalogArchive | null>(null);
  // The item a version search found, chosen in that backup's items (filtered to it and selected).
  const [foundPath, setFoundPath] = useState<string | null>(null);
  const now = useNow(30_000);

  const open = async (chosen?: string | { source: 'offsite' }) => {
    setBusy(
      typeof chosen === 'object'
        ? 'Reading the manifests on the offsite server…'
        : 'Reading the backups’ manifests…',
    );
    setFailure(null);
    const result = await api.openCatalog(
      typeof chosen === 'object' ? chosen : chosen ? { folder: chosen } : {},
    );
    setBusy(null);
    if (!result.ok) {
      // An offsite server that cannot be read leaves no other folder's backups on show as if its own.
      if (typeof chosen === 'object') setCatalog(null);
      return setFailure(result.error.message);
    }
    setCatalog(result.value);
    if (result.value.source !== 'offsite') setFolder(result.value.folder);
    setArchive(null);
  };

  const choose = (next: Source) => {
    setSource(next);
    setFolderError(null);
    if (next === 'target') void open();
    else if (next === 'offsite') void open({ source: 'offsite' });
  };

  // Once, at opening: the automatic backup's target (its state is set when the answer comes).
  useEffect(() => {
    let gone = false;
    void api.openCatalog({}).then((result) => {
      if (gone) return;
      setBusy(null);
      if (!result.ok) return setFailure(result.error.message);
      setCatalog(result.value);
      setFolder(result.value.folder);
    });
    return () => {
      gone = true;
    };
  }, [api]);

  const openTyped = () => {
    const problem = fullPathProblem(folder, 'Type the full path of a folder of backups.', FOLDER_EXAMPLE);
    setFolderError(problem);
    if (!problem) void open(folder.trim());
  };

  return (
    <AppDialog
      title="Backups"
      onClose={onClose}
      size="large"
      testId="backups-dialog"
      footer={
        <>
          <FormError message={failure} />
          <Button className="button" onPress={onClose}>
            Close
          </Button>
        </>
      }
    >
      <RadioChoices
        label="Backups from"
        orientation="horizontal"
        value={source}
        onChange={choose}
        choices={sourceChoices}
        isDisabled={!connected || busy !== null}
      />
      {source !== 'offsite' && (
        <div className="path-row">
          <TextInput
            label="Folder of backups"
            value={folder}
            onChange={(v) => {
              setFolder(v);
              setFolderError(null);
              setSource('other');
            }}
            error={folderError}
            description="The automatic backup’s target, a folder copied from another machine, or a network share."
          />
          {api.host === 'electron' && (
            <Button
              className="button"
              isDisabled={!connected}
              onPress={() =>
                void api.pickFolder({ title: 'Folder of backups' }).then((r) => {
                  if (r.ok && r.value?.[0]) {
                    setSource('other');
                    void open(r.value[0]);
                  }
                })
              }
            >
              Choose…
            </Button>
          )}
          <Button className="button" isDisabled={!connected || busy !== null} onPress={openTyped}>
            Open
          </Button>
        </div>
      )}
      {catalog?.source === 'offsite' && (
        <p className="muted">
          On {catalog.folder}: read from each archive’s manifest on the server; nothing there is changed.
          Browsing a backup downloads it into this server’s data folder and checks it first.
        </p>
      )}
      {busy && (
        <p role="status" className="muted">
          {busy}
        </p>
      )}
      {catalog && !archive && (
        <ItemVersionFinder
          folder={catalog.source === 'offsite' ? null : catalog.folder}
          onBrowse={(hit) => {
            setFoundPath(hit.item.path);
            setArchive(hit.archive);
          }}
        />
      )}
      {catalog && !archive && (
        <section aria-label="Timelines">
          {catalog.timelines.length === 0 && <p>No backups in {catalog.folder}.</p>}
          {catalog.timelines.map((t) => (
            <div key={t.repositoryId} className="timeline">
              <h3 className="timeline-title">
                {t.repository}
                {t.formerNames.length > 0 && (
                  <span className="muted"> (formerly {t.formerNames.join(', ')})</span>
                )}
                <span className="muted">
                  {' '}
                  · {t.archives.length} backup{t.archives.length === 1 ? '' : 's'}
                </span>
              </h3>
              <table className="data-table" aria-label={`Backups of ${t.repository}`}>
                <thead>
                  <tr>
                    <th>Taken</th>
                    <th>Trigger</th>
                    <th>Size</th>
                    <th>Items</th>
                    <th>Checked</th>
                    {catalog.source === 'offsite' && <th>Copy</th>}
                    <th>Made by</th>
                    <th>
                      <span className="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {t.archives.map((a) => (
                    <tr key={a.file}>
                      <td title={a.name}>
                        {formatDateTime(a.createdAt)}{' '}
                        <span className="muted">({formatRelative(a.createdAt, now)})</span>
                        {a.renamed && <span className="muted"> · renamed: {a.name}</span>}
                      </td>
                      <td>{a.trigger}</td>
                      <td>{formatSize(a.sizeBytes)}</td>
                      <td>{a.itemCount}</td>
                      <td className={a.verification.state === 'failed' ? 'bad' : undefined}>
                        {verifiedWords[a.verification.state]}
                      </td>
                      {catalog.source === 'offsite' && (
                        <td className={a.offsiteCopy?.unchanged === false ? 'bad' : undefined}>
                          {copyWords(a)}
                        </td>
                      )}
                      <td>{madeByWords(a, catalog)}</td>
                      <td>
                        <Button
                          className="button small"
                          aria-label={`Browse items of the backup of ${formatDateTime(a.createdAt)}`}
                          isDisabled={!connected}
                          onPress={() => setArchive(a)}
                        >
                          Browse items…
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
          {catalog.others.length > 0 && (
            <details className="other-files">
              <summary>
                {catalog.others.length} other file{catalog.others.length === 1 ? '' : 's'} in the folder (left
                untouched)
              </summary>
              <ul>
                {catalog.others.map((o) => (
                  <li key={o.file}>
                    <strong>{o.name}</strong> — {o.kind}: {o.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {catalog.index.writeError && <p className="muted">{catalog.index.writeError}</p>}
        </section>
      )}
      {archive && (
        <ArchiveItemsView
          key={archive.file}
          archive={archive}
          repositoryNames={repositoryNames}
          initialPath={foundPath}
          onBack={() => {
            setArchive(null);
            setFoundPath(null);
          }}
        />
      )}
    </AppDialog>
  );
}

/**
 * "Which backup still had modules/login before Tuesday?": every backup of the folder that holds an item,
 * newest first, with its version there; Browse opens that backup with the item chosen, to restore it.
 */
function ItemVersionFinder({
  folder,
  onBrowse,
}: {
  /** null: the offsite copy. */
  folder: string | null;
  onBrowse(hit: ItemVersionHit): void;
}) {
  const api = useApi();
  const connected = useConnected();
  const [path, setPath] = useState('');
  const [before, setBefore] = useState('');
  const [errors, setErrors] = useState<{ path?: string; before?: string }>({});
  const [searching, setSearching] = useState(false);
  const [found, setFound] = useState<ItemVersionSearch | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const find = async () => {
    const local: typeof errors = {};
    if (!path.trim()) local.path = 'Enter the path of an item, such as modules/login.';
    const beforeMs = before.trim() ? new Date(before).getTime() : undefined;
    if (beforeMs !== undefined && Number.isNaN(beforeMs))
      local.before = 'Enter a date and time such as 2026-11-24 00:00, or leave it empty.';
    setErrors(local);
    if (Object.keys(local).length) return;
    setSearching(true);
    setFailure(null);
    const result = await api.findItemVersions({
      ...(folder === null ? { source: 'offsite' as const } : { folder }),
      path: path.trim(),
      limit: 10,
      ...(beforeMs !== undefined ? { before: new Date(beforeMs).toISOString() } : {}),
    });
    setSearching(false);
    if (!result.ok) {
      setFound(null);
      if (result.error.fields?.path) setErrors({ path: result.error.fields.path });
      else setFailure(result.error.message);
      return;
    }
    setFound(result.value);
  };

  return (
    <section aria-label="Find an item in the backups" className="item-finder">
      <form
        className="path-row"
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
        // Enter in either field searches (a form of two fields has no implicit submission).
        onKeyDown={(e) => {
          if (e.key !== 'Enter' || (e.target as HTMLElement).tagName !== 'INPUT') return;
          e.preventDefault();
          void find();
        }}
      >
        <TextInput
          label="Find an item in every backup"
          value={path}
          onChange={(v) => {
            setPath(v);
            setErrors(({ path: _p, ...rest }) => rest);
          }}
          error={errors.path}
          placeholder="modules/login"
        />
        <TextInput
          label="Taken before (optional)"
          value={before}
          onChange={(v) => {
            setBefore(v);
            setErrors(({ before: _b, ...rest }) => rest);
          }}
          error={errors.before}
          placeholder="2026-11-24 00:00"
        />
        <Button className="button" type="submit" isDisabled={!connected || searching}>
          {searching ? 'Searching…' : 'Find'}
        </Button>
      </form>
      {failure && (
        <p className="cell-error" role="alert">
          {failure}
        </p>
      )}
      {found && (
        <div role="status" data-testid="item-versions">
          {found.hits.length === 0 ? (
            <p>
              No backup {before.trim() ? 'taken before that time ' : ''}holds {path.trim()} ({found.searched}{' '}
              searched).
            </p>
          ) : (
            <table className="data-table" aria-label={`Backups holding ${path.trim()}`}>
              <thead>
                <tr>
                  <th scope="col">Backup</th>
                  <th scope="col">Repository</th>
                  <th scope="col">Version</th>
                  <th scope="col">Changed</th>
                  <th scope="col">Size</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {found.hits.map((hit) => (
                  <tr key={hit.archive.file}>
                    <td title={hit.archive.name}>{formatDateTime(hit.archive.createdAt)}</td>
                    <td>{hit.archive.repository}</td>
                    <td>{hit.item.version}</td>
                    <td>
                      {formatDateTime(hit.item.updatedAt)} by {hit.item.updatedBy}
                    </td>
                    <td>{formatSize(hit.item.sizeBytes)}</td>
                    <td>
                      <Button
                        className="button small"
                        aria-label={`Browse the backup of ${formatDateTime(hit.archive.createdAt)} at version ${hit.item.version}`}
                        onPress={() => onBrowse(hit)}
                      >
                        Browse…
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {found.failed.length > 0 && (
            <p className="cell-error">
              Not searched (damaged): {found.failed.map((f) => `${f.file}: ${f.error}`).join('; ')}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function ArchiveItemsView({
  archive,
  repositoryNames,
  initialPath,
  onBack,
}: {
  archive: CatalogArchive;
  repositoryNames: string[];
  /** An item to show chosen (from a version search). */
  initialPath: string | null;
  onBack(): void;
}) {
  const api = useApi();
  const connected = useConnected();
  const [items, setItems] = useState<ArchiveItems | null>(null);
  const [filter, setFilter] = useState(initialPath ?? '');
  const [selected, setSelected] = useState<string[]>(initialPath ? [initialPath] : []);
  const [preview, setPreview] = useState<ArchiveItemPreview | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const live = repositoryNames.find((n) => sameRepositoryName(n, archive.repository)) ?? null;
  const [into, setInto] = useState<'live' | 'new'>(live ? 'live' : 'new');
  const [newName, setNewName] = useState(`${archive.repository}-Items`);
  const [result, setResult] = useState<RestoreItemsResult | null>(null);
  const [restoring, setRestoring] = useState(false);
  // The Restore button turns disabled under the focus once the selection is cleared: the result takes it.
  const resultRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  useEffect(() => {
    let gone = false;
    void api.listArchiveItems({ file: archive.file }).then((r) => {
      if (gone) return;
      if (!r.ok) setFailure(r.error.message);
      else setItems(r.value);
    });
    return () => {
      gone = true;
    };
  }, [api, archive.file]);

  const shown = (items?.items ?? []).filter((i) =>
    i.path.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  const toggle = (path: string, on: boolean) =>
    setSelected((all) => (on ? [...all, path] : all.filter((p) => p !== path)));

  const showPreview = async (path: string) => {
    const r = await api.previewArchiveItem({ file: archive.file, path });
    if (!r.ok) return setFailure(r.error.message);
    setPreview(r.value);
  };

  // A path prefix restores every item under it, also those past the most a list shows.
  const prefix = filter.trim();
  const listedUnder = items && prefix ? items.items.filter((i) => i.path.startsWith(prefix)).length : 0;
  const allListed = items ? items.total <= items.items.length : true;

  const restore = async (what: { paths: string[] } | { prefix: string }) => {
    setRestoring(true);
    setFailure(null);
    const r = await api.restoreArchiveItems({
      file: archive.file,
      ...('prefix' in what ? { paths: [], prefix: what.prefix } : { paths: what.paths }),
      into: into === 'live' && live ? live : newName,
      create: into === 'new',
    });
    setRestoring(false);
    if (!r.ok) return setFailure(r.error.message);
    setResult(r.value);
    setSelected([]);
  };

  return (
    <section aria-label="Items of the backup">
      <div className="path-row">
        <Button className="button" onPress={onBack}>
          ← All backups
        </Button>
        <p className="items-heading">
          <strong>{archive.repository}</strong>, backed up {formatDateTime(archive.createdAt)}
          {items && (
            <span className="muted">
              {' '}
              · {items.total} item{items.total === 1 ? '' : 's'}
            </span>
          )}
        </p>
      </div>
      {!items && !failure && (
        <p role="status" className="muted">
          Checking the backup in full and reading its items…
        </p>
      )}
      {items && (
        <div className="items-grid">
          <div>
            <TextInput
              label="Filter by path"
              value={filter}
              onChange={setFilter}
              placeholder="modules/login"
            />
            <div className="items-scroll">
              <table className="data-table" aria-label="Items">
                <thead>
                  <tr>
                    <th>
                      <span className="visually-hidden">Restore</span>
                    </th>
                    <th>Path</th>
                    <th>Kind</th>
                    <th>Version</th>
                    <th>Updated</th>
                    <th>Size</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((i) => (
                    <tr key={i.path} className={preview?.path === i.path ? 'selected' : undefined}>
                      <td>
                        <Checkbox
                          className="checkbox"
                          aria-label={`Restore ${i.path}`}
                          isSelected={selected.includes(i.path)}
                          onChange={(on) => toggle(i.path, on)}
                        >
                          <span className="box" aria-hidden />
                        </Checkbox>
                      </td>
                      <td>
                        <Button className="link-button" onPress={() => void showPreview(i.path)}>
                          {i.path}
                        </Button>
                      </td>
                      <td>{i.kind}</td>
                      <td>{i.version}</td>
                      <td>{formatDateTime(i.updatedAt)}</td>
                      <td>{formatSize(i.sizeBytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
          <ArchiveItemPreviewPanel file={archive.file} preview={preview} />
        </div>
      )}
      {items && (
        <div className="restore-row">
          <RadioChoices
            label="Restore the selected items into"
            value={into}
            onChange={(v) => setInto(v)}
            choices={[
              ...(live
                ? [
                    {
                      value: 'live' as const,
                      label: `“${live}”, as a new version of each`,
                      description: 'The current versions stay in the items’ history.',
                    },
                  ]
                : []),
              { value: 'new' as const, label: 'A new repository' },
            ]}
          />
          {into === 'new' && <TextInput label="New repository name" value={newName} onChange={setNewName} />}
          <Button
            className="button primary"
            isDisabled={!connected || selected.length === 0 || restoring}
            onPress={() => void restore({ paths: selected })}
          >
            {restoring ? 'Restoring…' : `Restore ${selected.length} item${selected.length === 1 ? '' : 's'}`}
          </Button>
          {listedUnder > 0 && (
            <Button
              className="button"
              isDisabled={!connected || restoring}
              onPress={() => void restore({ prefix })}
            >
              {allListed
                ? `Restore all ${listedUnder} under “${prefix}”`
                : `Restore everything under “${prefix}”`}
            </Button>
          )}
        </div>
      )}
      {result && (
        <p role="status" className="ok" tabIndex={-1} ref={resultRef}>
          Restored into “{result.repository}”:{' '}
          {result.restored
            .map((r) =>
              r.newVersion === null
                ? `${r.path} (already as in the backup)`
                : `${r.path} as version ${r.newVersion}`,
            )
            .join(', ')}
          .
        </p>
      )}
      <FormError message={failure} />
    </section>
  );
}
