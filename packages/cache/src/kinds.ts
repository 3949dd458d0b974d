/** The ecosystems test-cache knows. */
export type Ecosystem = 'rust' | 'node' | 'go' | 'python';

/** Every ecosystem, in the order entries are restored and reported. */
export const ECOSYSTEMS: readonly Ecosystem[] = ['rust', 'node', 'go', 'python'];
