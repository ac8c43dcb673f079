import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Registry } from 'prom-client';

export const CLUSTER_METRICS_REQUEST = 'dispatch:cluster-metrics';
export const CLUSTER_METRICS_REPLY = 'dispatch:cluster-metrics-reply';
/** The primary asks every process in turn; a process that does not answer fails the scrape, not the API. */
const REPLY_TIMEOUT_MS = 6_000;

export interface ClusterMetricsRequest {
  type: typeof CLUSTER_METRICS_REQUEST;
  id: string;
}

interface ClusterMetricsReply {
  type: typeof CLUSTER_METRICS_REPLY;
  id: string;
  text?: string;
  error?: string;
}

/** True in an API process forked by the cluster primary (API_PROCESSES > 1). */
export function inApiCluster(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/**
 * In a cluster process: hands `registry` to prom-client's cluster support (the primary
 * collects it from every process on request) and returns a function that asks the
 * primary for the metrics of all processes, summed (or as each metric's aggregator says).
 */
export function clusterMetricsOf(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the listener that answers the primary
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => finish(new Error('the API primary did not answer for metrics')), REPLY_TIMEOUT_MS);
      const onMessage = (message: ClusterMetricsReply) => {
        if (message?.type !== CLUSTER_METRICS_REPLY || message.id !== id) return;
        finish(message.error ? new Error(message.error) : null, message.text ?? '');
      };
      const finish = (err: Error | null, text = '') => {
        clearTimeout(timer);
        process.off('message', onMessage);
        if (err) reject(err);
        else resolve(text);
      };
      process.on('message', onMessage);
      process.send!({ type: CLUSTER_METRICS_REQUEST, id } satisfies ClusterMetricsRequest);
    });
}
