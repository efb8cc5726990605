{{/*
The operator's RBAC rules: the same as operator/rbac/role.yaml (charts/test checks that they stay equal).
"namespacedRules" is what it needs in each namespace it watches, "clusterRules" what is cluster-scoped.
*/}}

{{- define "corral-operator.namespacedRules" -}}
# The clusters it reconciles: watch them, add/remove its finalizer, write their status.
- apiGroups: [corral.dev]
  resources: [coordinationclusters]
  verbs: [get, list, watch, patch, update]
- apiGroups: [corral.dev]
  resources: [coordinationclusters/status]
  verbs: [get, patch, update]
# Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
- apiGroups: [corral.dev]
  resources: [coordinationclusters/finalizers]
  verbs: [update]
# What each cluster owns: member pods and volumes, Services, zoo.cfg ConfigMaps, the super-user Secret.
- apiGroups: ['']
  resources: [pods, persistentvolumeclaims, services, configmaps, secrets]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch, update, delete]
# Why it acted, or waits, as `kubectl describe` shows.
- apiGroups: ['']
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{- define "corral-operator.clusterRules" -}}
# A member's node going NotReady is part of its health.
- apiGroups: ['']
  resources: [nodes]
  verbs: [get, list, watch]
{{- end -}}

{{- define "corral-operator.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end -}}
