// Types of import-rules.mjs for the tests that import it.
export const ROOT: string;
export const WORKER_ENTRY_POINTS: readonly string[];
export const SEPARATE_ENTRIES: readonly string[];
export const MOVED_FILES: Readonly<Record<string, string>>;
export function entryFolders(dir?: string): string[];
export function entryFolderOf(from: string, to: string, folders?: readonly string[]): string | null;
export function resolveSpecifier(file: string, specifier: string): string | null;
export function workerModules(): string[];
