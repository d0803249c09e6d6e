/**
 * What the page's bundle gets for scenes/cluster/client.ts (vite.config.ts redirects it
 * here): the page never runs batches on a Redis cluster, and bundling BullMQ and ioredis
 * (node-only) would break the build. Asking for a cluster evaluator throws, naming itself.
 */
import type { BatchEvaluator } from '../../sim/smoothing.ts';

export function clusterEvaluator(): BatchEvaluator {
  throw new Error('a Redis cluster is not available in the viewer page (scenes/cluster/client.ts is node-only)');
}
