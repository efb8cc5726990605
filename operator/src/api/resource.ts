// The CoordinationCluster resource: API coordinates and the object's TypeScript shape.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { CoordinationClusterSpec } from './spec.js';
import type { CoordinationClusterStatus } from './status.js';

export const API_GROUP = 'corral.dev';
export const API_VERSION = 'v1alpha1';
export const KIND = 'CoordinationCluster';
export const PLURAL = 'coordinationclusters';
export const SINGULAR = 'coordinationcluster';
export const SHORT_NAMES = ['cc', 'corral'];
export const CATEGORIES = ['corral'];

export interface CoordinationCluster {
  apiVersion: `${typeof API_GROUP}/${typeof API_VERSION}`;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: CoordinationClusterSpec;
  status?: CoordinationClusterStatus;
}
