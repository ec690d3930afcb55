{{/*
Cron arithmetic for KEDA's cron scaler (templates/scaledobject.yaml): the
windows around the times a service's own cron fires, derived from that cron
so the two cannot drift apart.
*/}}

{{/*
The values a cron field names, sorted, as JSON: "*", "7", "1-5", a step of
"*" or of a range ("10-50/20"), "5/15" and comma lists of them. Names, "L", "W", "#" and "?" are
refused: the cut-off's minute and hour fields never need them.
Usage: include "meridian.cronFieldValues" (dict "field" "0,30" "max" 59 "what" "...")
*/}}
{{- define "meridian.cronFieldValues" -}}
{{- $max := int .max -}}
{{- $padded := list -}}
{{- range $item := splitList "," .field -}}
{{- if not (regexMatch "^(\\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?$" $item) -}}
{{- fail (printf "%s: %q is not a value, a range or a step (*, 7, 1-5, */15, 10-50/20)" $.what $item) -}}
{{- end -}}
{{- $parts := splitList "/" $item -}}
{{- $step := 1 -}}
{{- if eq (len $parts) 2 }}{{ $step = atoi (last $parts) }}{{ end -}}
{{- $from := 0 -}}
{{- $to := $max -}}
{{- if ne (first $parts) "*" -}}
{{- $bounds := splitList "-" (first $parts) -}}
{{- $from = atoi (first $bounds) -}}
{{- if eq (len $bounds) 2 }}{{ $to = atoi (last $bounds) }}{{ else if eq (len $parts) 1 }}{{ $to = $from }}{{ end -}}
{{- end -}}
{{- if or (lt $step 1) (gt $from $to) (gt $to $max) -}}
{{- fail (printf "%s: %q names no value between 0 and %d" $.what $item $max) -}}
{{- end -}}
{{- range $value := untilStep $from (add $to 1 | int) $step -}}
{{- $padded = append $padded (printf "%02d" $value) -}}
{{- end -}}
{{- end -}}
{{- $values := list -}}
{{- range $value := $padded | uniq | sortAlpha -}}
{{- $values = append $values (atoi $value) -}}
{{- end -}}
{{- toJson $values -}}
{{- end -}}

{{/*
The windows that open leadMinutes before each time a cron fires and close
afterMinutes after it, as KEDA cron triggers' start and end (five fields,
minute first, in the same time zone), as JSON: [{"start": ..., "end": ...}].
The cron has five fields, or six with seconds first (the seconds must be one
value: the window is whole minutes, and ends at least a minute after it).

KEDA holds a trigger's replicas while the next end comes before the next start,
so windows must not overlap: the render fails when two firings are
leadMinutes + afterMinutes or less apart (in the hour when the hour field is
"*", else in the day). A window that crosses an hour moves to the hour before
or after, which is one trigger per kind of crossing when the hours are listed;
one that crosses midnight would need the day fields moved too, so the render
fails then unless the day fields are all "*".
Usage: include "meridian.cronWindows" (dict "cron" "0 0 * * * *" "leadMinutes" 5 "afterMinutes" 15 "what" "...")
*/}}
{{- define "meridian.cronWindows" -}}
{{- $what := .what -}}
{{- $lead := int .leadMinutes -}}
{{- $after := int .afterMinutes -}}
{{- $fields := splitList " " (regexReplaceAll "\\s+" (trim .cron) " ") -}}
{{- if eq (len $fields) 6 -}}
{{- if not (regexMatch "^[0-9]+$" (first $fields)) -}}
{{- fail (printf "%s: %q fires more than once a minute (seconds %q); pre-scaling needs fixed seconds" $what .cron (first $fields)) -}}
{{- end -}}
{{- $fields = rest $fields -}}
{{- else if ne (len $fields) 5 -}}
{{- fail (printf "%s: %q is not a cron expression of 5 or 6 fields" $what .cron) -}}
{{- end -}}
{{- $days := slice $fields 2 | join " " -}}
{{- $minutes := include "meridian.cronFieldValues" (dict "field" (index $fields 0) "max" 59 "what" (printf "%s, minutes" $what)) | fromJsonArray -}}
{{- $anyHour := eq (index $fields 1) "*" -}}
{{- $hours := list 0 -}}
{{- if not $anyHour -}}
{{- $hours = include "meridian.cronFieldValues" (dict "field" (index $fields 1) "max" 23 "what" (printf "%s, hours" $what)) | fromJsonArray -}}
{{- end -}}
{{- /* The firings in one period (an hour or a day), sorted; the smallest gap between two, the last to the next period's first included. */ -}}
{{- $period := ternary 60 1440 $anyHour -}}
{{- $times := list -}}
{{- range $hour := $hours -}}
{{- range $minute := $minutes -}}
{{- $times = append $times (printf "%04d" (add (mul (int $hour) 60) (int $minute))) -}}
{{- end -}}
{{- end -}}
{{- $times = sortAlpha $times -}}
{{- $gap := add (sub (atoi (first $times)) (atoi (last $times))) $period | int -}}
{{- range $i, $time := rest $times -}}
{{- $gap = min $gap (sub (atoi $time) (atoi (index $times $i))) | int -}}
{{- end -}}
{{- if le $gap (add $lead $after) -}}
{{- fail (printf "%s: %q fires %d minutes apart, so windows of %d minutes before and %d after would overlap, which KEDA's cron scaler cannot express: shorten them, or raise minReplicas instead" $what .cron $gap $lead $after) -}}
{{- end -}}
{{- /* Firing minutes by how their window crosses the hour: into the hour before (start), the hour after (end). */ -}}
{{- $kinds := dict -}}
{{- range $minute := $minutes -}}
{{- $startsBefore := and (not $anyHour) (lt (int $minute) $lead) -}}
{{- $endsAfter := and (not $anyHour) (ge (add $minute $after) 60) -}}
{{- $key := printf "%t-%t" $startsBefore $endsAfter -}}
{{- $kind := get $kinds $key | default (dict "startsBefore" $startsBefore "endsAfter" $endsAfter "starts" list "ends" list) -}}
{{- $_ := set $kind "starts" (append $kind.starts (mod (sub (add $minute 60) $lead) 60)) -}}
{{- $_ := set $kind "ends" (append $kind.ends (mod (add $minute $after) 60)) -}}
{{- $_ := set $kinds $key $kind -}}
{{- end -}}
{{- /* Whether a window crosses midnight: the first hour's starts before it, or the last hour's ends after it. */ -}}
{{- $crossesMidnight := false -}}
{{- range $minute := $minutes -}}
{{- if and (lt (int $minute) $lead) (or $anyHour (eq (int (first $hours)) 0)) }}{{ $crossesMidnight = true }}{{ end -}}
{{- if and (ge (add $minute $after) 60) (or $anyHour (eq (int (last $hours)) 23)) }}{{ $crossesMidnight = true }}{{ end -}}
{{- end -}}
{{- if and $crossesMidnight (ne $days "* * *") -}}
{{- fail (printf "%s: a window around %q crosses midnight, and the day fields %q would have to move with it: give the cut-off a time that leaves %d minutes before and %d after within its day" $what .cron $days $lead $after) -}}
{{- end -}}
{{- $windows := list -}}
{{- range $key := keys $kinds | sortAlpha -}}
{{- $kind := get $kinds $key -}}
{{- $startHours := "*" -}}
{{- $endHours := "*" -}}
{{- if not $anyHour -}}
{{- $shifted := list -}}
{{- range $hour := $hours }}{{ $shifted = append $shifted (mod (add $hour 24 (ternary -1 0 $kind.startsBefore)) 24) }}{{ end -}}
{{- $startHours = include "meridian.cronFieldValues" (dict "field" (join "," $shifted) "max" 23 "what" $what) | fromJsonArray | join "," -}}
{{- $shifted = list -}}
{{- range $hour := $hours }}{{ $shifted = append $shifted (mod (add $hour (ternary 1 0 $kind.endsAfter)) 24) }}{{ end -}}
{{- $endHours = include "meridian.cronFieldValues" (dict "field" (join "," $shifted) "max" 23 "what" $what) | fromJsonArray | join "," -}}
{{- end -}}
{{- $startMinutes := include "meridian.cronFieldValues" (dict "field" (join "," $kind.starts) "max" 59 "what" $what) | fromJsonArray | join "," -}}
{{- $endMinutes := include "meridian.cronFieldValues" (dict "field" (join "," $kind.ends) "max" 59 "what" $what) | fromJsonArray | join "," -}}
{{- $windows = append $windows (dict "start" (printf "%s %s %s" $startMinutes $startHours $days) "end" (printf "%s %s %s" $endMinutes $endHours $days)) -}}
{{- end -}}
{{- toJson $windows -}}
{{- end -}}
