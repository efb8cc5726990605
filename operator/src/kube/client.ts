// The operator's writes to the API server: server-side apply with one field manager (so the operator owns exactly
// the fields it sets, and a user's or another controller's fields are left alone), status through the status
// subresource, and deletes that are idempotent and can be fenced on the object's uid.
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

export const FIELD_MANAGER = 'corral-operator';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;
/** A write whose resourceVersion precondition failed: the object changed since it was read. */
export const isConflict = (err: unknown) => (err as { code?: number }).code === 409;

export class KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;

  constructor(
    readonly config: KubeConfig,
    private readonly fieldManager = FIELD_MANAGER,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(config);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  /** Creates or updates `desired` to hold exactly the fields given (server-side apply, conflicts forced). */
  apply<T extends KubernetesObject>(desired: T): Promise<T> {
    return this.objects.patch(desired, undefined, undefined, this.fieldManager, true, PatchStrategy.ServerSideApply);
  }

  /** A JSON merge patch: `patch` names the object (apiVersion, kind, metadata name/namespace) and holds the changes. */
  mergePatch(patch: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; [field: string]: unknown } }): Promise<KubernetesObject> {
    return this.objects.patch(patch as KubernetesObject, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
  }

  /**
   * Server-side apply of a custom resource's status subresource. With metadata.resourceVersion set, the API server
   * refuses the write (409 Conflict) if the object changed since that version.
   */
  async applyStatus(resource: ObjectRef & { status: unknown }, plural: string): Promise<void> {
    const [group, version] = resource.apiVersion.split('/') as [string, string];
    const { name, namespace, resourceVersion } = resource.metadata;
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        plural,
        namespace: namespace!,
        name: name!,
        body: { apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) }, status: resource.status },
        fieldManager: this.fieldManager,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  /**
   * Deletes the object; false when it was already gone. With the uid set, the delete applies only to that
   * incarnation, so a delete planned against an old pod never removes the one that replaced it.
   */
  async delete(ref: ObjectRef, options: { gracePeriodSeconds?: number; propagation?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<boolean> {
    try {
      await this.objects.delete(ref as KubernetesObject, undefined, undefined, options.gracePeriodSeconds, undefined, options.propagation ?? 'Background', {
        ...(ref.metadata.uid ? { preconditions: { uid: ref.metadata.uid } } : {}),
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
