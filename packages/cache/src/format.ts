/** Sizes and durations in the one style every Slipway action prints. */
export { formatBytes, formatDuration } from '@slipway/action-kit';
