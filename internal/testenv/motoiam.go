package testenv

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// MotoProjection is an identity policy as moto 5.2.1 can evaluate it (see
// Moto.EnforceIAM): the same statements, actions and conditions, every
// Resource "*" (moto matches a statement's Resource against "*" for all but
// sqs, iam and sts, so a scoped statement would deny), the Tagging API's
// actions renamed from IAM's "tag:" to moto's "tagging:", and the actions
// in without left out. The exact policy is enforced by an IAMProxy; moto,
// given this, proves the actions.
func MotoProjection(policy []byte, without ...string) (string, error) {
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal(policy, &doc); err != nil {
		return "", fmt.Errorf("testenv: MotoProjection: %w", err)
	}
	var kept []map[string]any
	for _, s := range doc.Statement {
		var actions []string
		switch a := s["Action"].(type) {
		case string:
			actions = []string{a}
		case []any:
			for _, x := range a {
				if v, ok := x.(string); ok {
					actions = append(actions, v)
				}
			}
		}
		actions = slices.DeleteFunc(actions, func(a string) bool { return slices.Contains(without, a) })
		if len(actions) == 0 {
			continue
		}
		for i, a := range actions {
			if rest, ok := strings.CutPrefix(a, "tag:"); ok {
				actions[i] = "tagging:" + rest
			}
		}
		s["Action"], s["Resource"] = actions, "*"
		kept = append(kept, s)
	}
	doc.Statement = kept
	b, err := json.Marshal(doc)
	return string(b), err
}
