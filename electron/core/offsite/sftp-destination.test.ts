import { describe, expect, it } from 'vitest';
import { algorithmOf, fingerprintOf } from './host-key';
import { remotePath, sftpLabel } from './sftp-destination';
import { alternativeName, tempNameOf } from './uploader';

describe('remote names', () => {
  it('joins the folder and a plain name; a name that could climb out is refused', () => {
    expect(remotePath('/srv/b/', 'a.zip')).toBe('/srv/b/a.zip');
    expect(remotePath('/', 'a.zip')).toBe('/a.zip');
    expect(remotePath('', 'a.zip')).toBe('a.zip');
    expect(remotePath('backups', 'a.zip')).toBe('backups/a.zip');
    for (const bad of ['../x', 'a/b', '..', '.', 'a\\b', 'a\nb', ''])
      expect(() => remotePath('/srv', bad)).toThrow(/not a plain file name/);
  });

  it('a taken final name gets -2, -3… that retention still reads as an archive name; temp names never end in .zip', () => {
    expect(alternativeName('Orders_2026-11-16-22-00-00.zip', 2)).toBe('Orders_2026-11-16-22-00-00-2.zip');
    expect(alternativeName('Orders_2026-11-16-22-00-00-2.zip', 3)).toBe('Orders_2026-11-16-22-00-00-3.zip');
    const temp = tempNameOf({
      localFile: '/b/Orders_2026-11-16-22-00-00.zip',
      copyId: '0123abcd-ef45-6789-abcd-ef0123456789',
    });
    expect(temp).toBe('Orders_2026-11-16-22-00-00.zip.0123abcdef45.partial');
  });

  it('labels and fingerprints read as people know them', () => {
    expect(sftpLabel({ host: 'b.example.com', port: 22, username: 'bk', remoteFolder: '/srv/b' })).toBe(
      'sftp://bk@b.example.com:22/srv/b',
    );
    expect(sftpLabel({ host: '::1', port: 2222, username: 'bk', remoteFolder: 'b' })).toBe(
      'sftp://bk@[::1]:2222/~/b',
    );
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 7)]);
    expect(algorithmOf(blob)).toBe('ssh-ed25519');
    expect(algorithmOf(Buffer.from([0, 0, 1, 0]))).toBe('unknown');
    expect(fingerprintOf(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
