package annotations

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseTags parses the value of a tags annotation
// (aws.amazon.com/amazon-ecs-service-tags,
// aws.amazon.com/aws-stepfunctions-state-machine-tags): key=value pairs
// separated by commas, such as "team=payments, env=prod". Space around items,
// keys and values is trimmed. Keys are 1-128 and values 0-256 characters of
// what AWS allows in tags (letters, digits, spaces and _.:/+-@). A value may
// not contain "=" because the ECS plugin cuts values at a second "=". An
// empty string, an empty item, an item without "=", an empty or repeated key
// is an error naming the item.
func ParseTags(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no tags (expected key=value pairs separated by commas)")
	}
	tags := map[string]string{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("item %d is empty (expected key=value)", i+1)
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("item %q has no \"=\" (expected key=value)", item)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "":
			return nil, fmt.Errorf("item %q has an empty key", item)
		case utf8.RuneCountInString(k) > 128:
			return nil, fmt.Errorf("item %q: key is longer than 128 characters", item)
		case utf8.RuneCountInString(v) > 256:
			return nil, fmt.Errorf("item %q: value is longer than 256 characters", item)
		case strings.Contains(v, "="):
			return nil, fmt.Errorf("item %q: value contains \"=\", which the ECS plugin does not read", item)
		}
		if r, ok := badTagRune(k); ok {
			return nil, fmt.Errorf("item %q: key has %q, not allowed in AWS tags", item, r)
		}
		if r, ok := badTagRune(v); ok {
			return nil, fmt.Errorf("item %q: value has %q, not allowed in AWS tags", item, r)
		}
		if _, dup := tags[k]; dup {
			return nil, fmt.Errorf("item %q repeats key %q", item, k)
		}
		tags[k] = v
	}
	return tags, nil
}

// badTagRune returns the first rune of s that AWS does not allow in tag keys
// and values ([\p{L}\p{Z}\p{N}_.:/=+\-@]).
func badTagRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.In(r, unicode.Z, unicode.N) || strings.ContainsRune("_.:/=+-@", r) {
			continue
		}
		return r, true
	}
	return 0, false
}

// FormatTags formats tags for a tags annotation, sorted by key: "a=1, b=2".
// It is "" for no tags.
func FormatTags(tags map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(tags)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + tags[k])
	}
	return b.String()
}
