import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '@switchyard/shared';

export interface ConfigFileWatcherOptions {
  path: string;
  /** Changes closer together than this make one call of `onChange`. */
  debounceMs: number;
  /** How often the file's identity, size and modification time are compared as well; 0: never. */
  pollIntervalMs: number;
  /** Called once the file has stopped changing for `debounceMs`. */
  onChange: () => void;
  logger: Logger;
}

/**
 * Tells when a config file changed. The file's directory is watched rather
 * than the file, so an editor or a deploy that replaces the file (write to a
 * temporary name, then rename) is noticed too; polling covers the file
 * systems that report nothing (network and container mounts) and files
 * reached through a symlink that is swapped (Kubernetes ConfigMaps).
 * Nothing here keeps the process alive.
 */
export class ConfigFileWatcher {
  private readonly path: string;
  private readonly name: string;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private lastSignature: string | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ConfigFileWatcherOptions) {
    this.path = resolve(options.path);
    this.name = basename(this.path);
  }

  /** Resolves once the file's current state is known (so a change made afterwards is one). */
  async start(): Promise<void> {
    this.lastSignature = await this.signature();
    if (this.closed) return;
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
        // Some platforms do not say which file changed: any change in the directory is checked then.
        if (filename === null || filename === this.name) this.changed();
      });
      this.watcher.on('error', (error) => this.watchFailed(error));
    } catch (error) {
      this.watchFailed(error);
    }
    if (this.options.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
  }

  private changed(): void {
    if (this.closed) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      // Taken as seen, so that the polling does not report the same change again.
      void this.signature().then((signature) => {
        this.lastSignature = signature;
        if (!this.closed) this.options.onChange();
      });
    }, this.options.debounceMs);
    this.debounceTimer.unref();
  }

  private poll(): Promise<void> {
    this.polling ??= this.signature()
      .then((signature) => {
        if (signature === this.lastSignature) return;
        this.lastSignature = signature;
        this.changed();
      })
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /** Identity, size and modification time of the file (through a symlink), or `missing`. */
  private async signature(): Promise<string> {
    try {
      const stats = await stat(this.path, { bigint: true });
      return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
    } catch {
      return 'missing';
    }
  }

  private watchFailed(error: unknown): void {
    this.watcher?.close();
    this.watcher = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.options.pollIntervalMs > 0) {
      this.options.logger.warn({ path: this.path, reason, pollIntervalMs: this.options.pollIntervalMs }, 'config-watch-unavailable-polling');
    } else {
      this.options.logger.warn(
        { path: this.path, reason },
        'config-watch-unavailable: file changes are not noticed (configReload.pollIntervalMs is 0); send SIGHUP to reload',
      );
    }
  }
}
