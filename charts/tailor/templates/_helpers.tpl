{{/* The chart's name, or nameOverride. */}}
{{- define "tailor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name when it
contains the chart's name, else release-name. The release "tailor" gives the names
of manifests/.
*/}}
{{- define "tailor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := include "tailor.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tailor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "tailor.labels" -}}
helm.sh/chart: {{ include "tailor.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tailor
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
metadata.annotations from additionalAnnotations, when there are any, with its own
leading newline: included with a left-trimming action right after the labels.
*/}}
{{- define "tailor.annotations" -}}
{{- with .Values.additionalAnnotations }}
{{- printf "\n  annotations:\n%s" (toYaml . | indent 4) }}
{{- end }}
{{- end }}

{{/* An image reference: repository:tag, or repository@digest. */}}
{{- define "tailor.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion }}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/*
topologySpreadConstraints with a labelSelector of the component's pods added to
those without one. Called with dict "constraints" list "selector" dict.
*/}}
{{- define "tailor.topologySpreadConstraints" -}}
{{- range .constraints }}
{{- $c := deepCopy . }}
{{- if not $c.labelSelector }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $.selector) }}
{{- end }}
- {{ toYaml $c | nindent 2 | trim }}
{{- end }}
{{- end }}

{{/* The launcher. */}}
{{- define "tailor.launcher.fullname" -}}
{{- printf "%s-launcher" (include "tailor.fullname" .) }}
{{- end }}

{{- define "tailor.launcher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tailor.launcher.fullname" . }}
{{- end }}

{{- define "tailor.launcher.labels" -}}
{{ include "tailor.launcher.selectorLabels" . }}
{{ include "tailor.labels" . }}
{{- end }}

{{- define "tailor.launcher.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tailor.launcher.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* --feature-gates from settings.featureGates: disruption -> Disruption=true. */}}
{{- define "tailor.launcher.featureGates" -}}
{{- $gates := list }}
{{- range $name, $on := .Values.settings.featureGates }}
{{- if not (kindIs "bool" $on) }}
{{- fail (printf "settings.featureGates.%s: want true or false, got %v" $name $on) }}
{{- end }}
{{- $gates = append $gates (printf "%s%s=%t" (substr 0 1 $name | upper) (substr 1 -1 $name) $on) }}
{{- end }}
{{- join "," $gates }}
{{- end }}

{{/*
The scheduler configuration the launcher mounts and passes as --scheduler-config,
so that consolidation judges fit with the Filter plugins of the profile the
scheduler runs: the ConfigMap this release renders for scheduler.mode and its key,
and a checksum of that key's content. YAML for fromYaml; empty when
launcher.schedulerConfig.enabled is false or the chart installs no scheduler.
*/}}
{{- define "tailor.launcher.schedulerConfig" -}}
{{- if and .Values.launcher.schedulerConfig.enabled .Values.scheduler.enabled }}
{{- if eq (include "tailor.scheduler.mode" .) "second" }}
configMap: {{ include "tailor.scheduler.fullname" . }}-config
key: scheduler-config.yaml
checksum: {{ include "tailor.scheduler.secondConfig" . | sha256sum }}
{{- else }}
configMap: {{ include "tailor.fullname" . }}-kube-scheduler
key: kube-scheduler-config.yaml
checksum: {{ include "tailor.scheduler.kubeadmConfig" . | sha256sum }}
{{- end }}
{{- end }}
{{- end }}

{{/* The scheduler. */}}
{{- define "tailor.scheduler.fullname" -}}
{{- printf "%s-scheduler" (include "tailor.fullname" .) }}
{{- end }}

{{- define "tailor.scheduler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tailor.scheduler.fullname" . }}
{{- end }}

{{- define "tailor.scheduler.labels" -}}
{{ include "tailor.scheduler.selectorLabels" . }}
{{ include "tailor.labels" . }}
{{- end }}

{{- define "tailor.scheduler.serviceAccountName" -}}
{{- if .Values.scheduler.serviceAccount.create }}
{{- default (include "tailor.scheduler.fullname" .) .Values.scheduler.serviceAccount.name }}
{{- else }}
{{- required "scheduler.serviceAccount.name is required when scheduler.serviceAccount.create is false" .Values.scheduler.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* scheduler.mode, checked: second or default. */}}
{{- define "tailor.scheduler.mode" -}}
{{- $mode := .Values.scheduler.mode }}
{{- if not (has $mode (list "second" "default")) }}
{{- fail (printf "scheduler.mode: want second or default, got %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/*
The one profile of the KubeSchedulerConfiguration, both modes: the default plugins
with Provisioner added at Filter, Score and PostFilter (after DynamicResources and
DefaultPreemption: freeing room on existing nodes comes before buying new ones).
Called with dict "root" $ "schedulerName" name.
*/}}
{{- define "tailor.scheduler.profile" -}}
- schedulerName: {{ .schedulerName }}
  plugins:
    # Provisioner's Filter keeps a node launched for a capacity request for the
    # pods it was planned for until they are bound; its Score sends them there,
    # and sends pods moved off a node being removed where the launcher's plan put
    # them (the node's tailor.sh/expected-pods).
    filter:
      enabled:
      - name: Provisioner
    score:
      enabled:
      - name: Provisioner
        weight: 10
    postFilter:
      enabled:
      - name: Provisioner
  pluginConfig:
  - name: Provisioner
    args:
      {{- toYaml .root.Values.scheduler.provisioner | nindent 6 }}
{{- end }}

{{/* The client connection of the KubeSchedulerConfiguration. */}}
{{- define "tailor.scheduler.clientConnection" -}}
qps: {{ .Values.scheduler.clientConnection.qps }}
burst: {{ .Values.scheduler.clientConnection.burst }}
{{- end }}

{{/* The second scheduler's KubeSchedulerConfiguration. */}}
{{- define "tailor.scheduler.secondConfig" -}}
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  {{- include "tailor.scheduler.clientConnection" . | nindent 2 }}
leaderElection:
  leaderElect: true
  resourceNamespace: {{ .Release.Namespace }}
  resourceName: {{ include "tailor.scheduler.fullname" . }}
profiles:
{{ include "tailor.scheduler.profile" (dict "root" . "schedulerName" .Values.scheduler.schedulerName) }}
{{- end }}

{{/*
The default scheduler's KubeSchedulerConfiguration for a kubeadm control plane:
kubeadm's identity (scheduler.conf) and its Lease kube-system/kube-scheduler, so
that the old and the new scheduler never run at once during the switch.
*/}}
{{- define "tailor.scheduler.kubeadmConfig" -}}
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: /etc/kubernetes/scheduler.conf
  {{- include "tailor.scheduler.clientConnection" . | nindent 2 }}
leaderElection:
  leaderElect: true
profiles:
{{ include "tailor.scheduler.profile" (dict "root" . "schedulerName" "default-scheduler") }}
{{- end }}

{{/*
The static pod that replaces kubeadm's kube-scheduler
(manifests/scheduler/kubeadm/kube-scheduler.yaml with the chart's image). It runs as
root, as kubeadm's scheduler does: scheduler.conf is root's, mode 0600.
*/}}
{{- define "tailor.scheduler.staticPod" -}}
apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler
  namespace: kube-system
  labels:
    component: kube-scheduler
    tier: control-plane
spec:
  hostNetwork: true
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: kube-scheduler
    image: {{ include "tailor.image" (dict "image" .Values.scheduler.image "root" .) }}
    imagePullPolicy: {{ .Values.imagePullPolicy | default "IfNotPresent" }}
    command:
    - /scheduler
    - --config=/etc/kubernetes/kube-scheduler-config.yaml
    - --authentication-kubeconfig=/etc/kubernetes/scheduler.conf
    - --authorization-kubeconfig=/etc/kubernetes/scheduler.conf
    - --bind-address=127.0.0.1
    startupProbe:
      httpGet:
        host: 127.0.0.1
        path: /livez
        port: 10259
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
      failureThreshold: 24
    livenessProbe:
      httpGet:
        host: 127.0.0.1
        path: /livez
        port: 10259
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
      failureThreshold: 8
    readinessProbe:
      httpGet:
        host: 127.0.0.1
        path: /readyz
        port: 10259
        scheme: HTTPS
      periodSeconds: 1
      timeoutSeconds: 15
      failureThreshold: 3
    resources:
      requests:
        cpu: 100m
        memory: 256Mi
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
    volumeMounts:
    - name: kubeconfig
      mountPath: /etc/kubernetes/scheduler.conf
      readOnly: true
    - name: config
      mountPath: /etc/kubernetes/kube-scheduler-config.yaml
      readOnly: true
  volumes:
  - name: kubeconfig
    hostPath:
      path: /etc/kubernetes/scheduler.conf
      type: FileOrCreate
  - name: config
    hostPath:
      path: /etc/kubernetes/kube-scheduler-config.yaml
      type: File
{{- end }}
