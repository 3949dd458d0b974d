import { getState, saveState } from './runner.ts';

/** A typed value handed from the main step to the post step, stored as JSON. Never put a secret in it. */
export interface StateSlot<T> {
  get(): T | undefined;
  set(value: T): void;
}

/** Declares a state slot under a kebab-case key. */
export function defineState<T>(key: string): StateSlot<T> {
  return {
    get() {
      const raw = getState(key);
      return raw ? (JSON.parse(raw) as T) : undefined;
    },
    set(value) {
      saveState(key, JSON.stringify(value));
    },
  };
}
