package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Size limits IAM applies, counted without whitespace.
const (
	MaxManagedPolicySize = 6144 // a customer managed policy
	MaxTrustPolicySize   = 2048 // a role trust policy, by default (a quota raises it to 4096)
)

// Problem is one thing wrong with a policy document.
type Problem struct {
	Field   string // Statement[1].Condition.StringEquals, Version, ...
	Message string
}

// String formats the problem as field: message.
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// ValidationError lists every problem Validate found.
type ValidationError struct{ Problems []Problem }

// Error lists every problem of the policy.
func (e *ValidationError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return "invalid IAM policy: " + strings.Join(s, "; ")
}

// Kind says which sort of policy a document is.
type Kind int

// The kinds of policy Validate checks.
const (
	// Identity: a permission policy attached to a role. Every statement
	// names resources; none names a principal.
	Identity Kind = iota
	// Trust: a role trust policy. Every statement names a principal; none
	// names resources.
	Trust
)

// Validate checks a permission (identity) policy against the IAM policy
// grammar and the managed policy size limit.
func Validate(policyJSON []byte) error {
	return ValidateKind(policyJSON, Identity, MaxManagedPolicySize)
}

// ValidateTrust checks a role trust policy against the IAM policy grammar
// and the default trust policy size limit.
func ValidateTrust(policyJSON []byte) error {
	return ValidateKind(policyJSON, Trust, MaxTrustPolicySize)
}

// ValidateKind checks a policy document structurally: Version 2012-10-17; a
// Statement (one or a list); each with an alphanumeric, unique Sid, Effect
// Allow or Deny, exactly one of Action/NotAction of service:Action strings
// (wildcards allowed), resources that are "*" or ARNs, principals in the
// forms IAM knows, and Condition operators from IAM's set; and that the
// document, without whitespace, is at most maxSize characters (none when
// maxSize is 0). It returns nil or a *ValidationError naming each bad field.
func ValidateKind(policyJSON []byte, kind Kind, maxSize int) error {
	v := &validator{kind: kind}
	dec := json.NewDecoder(bytes.NewReader(policyJSON))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		v.add("", "not JSON: %v", err)
		return v.err()
	}
	if dec.More() {
		v.add("", "trailing data after the policy document")
	}
	if n := sizeWithoutSpace(policyJSON); maxSize > 0 && n > maxSize {
		v.add("", "is %d characters without whitespace, more than the limit of %d", n, maxSize)
	}
	v.document(doc)
	return v.err()
}

func sizeWithoutSpace(b []byte) int {
	n := 0
	for _, r := range string(b) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

type validator struct {
	kind     Kind
	problems []Problem
}

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

func (v *validator) document(doc any) {
	m, ok := doc.(map[string]any)
	if !ok {
		v.add("", "must be a JSON object, found %s", jsonKind(doc))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "Version" && k != "Id" && k != "Statement" {
			v.add(k, "unknown top-level element (known: Version, Id, Statement)")
		}
	}
	switch ver, ok := m["Version"]; {
	case !ok:
		v.add("Version", "is required (%q)", PolicyVersion)
	case ver != PolicyVersion:
		v.add("Version", "must be %q, found %s", PolicyVersion, describe(ver))
	}
	if id, ok := m["Id"]; ok {
		if _, isStr := id.(string); !isStr {
			v.add("Id", "must be a string, found %s", jsonKind(id))
		}
	}
	st, ok := m["Statement"]
	if !ok {
		v.add("Statement", "is required")
		return
	}
	var list []any
	switch st := st.(type) {
	case map[string]any:
		list = []any{st}
	case []any:
		list = st
		if len(list) == 0 {
			v.add("Statement", "must not be empty")
		}
	default:
		v.add("Statement", "must be an object or a list of objects, found %s", jsonKind(st))
		return
	}
	sids := map[string]bool{}
	for i, s := range list {
		field := fmt.Sprintf("Statement[%d]", i)
		sm, ok := s.(map[string]any)
		if !ok {
			v.add(field, "must be an object, found %s", jsonKind(s))
			continue
		}
		v.statement(field, sm, sids)
	}
}

var statements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func (v *validator) statement(field string, s map[string]any, sids map[string]bool) {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if !slices.Contains(statements, k) {
			v.add(field+"."+k, "unknown statement element (known: %s)", strings.Join(statements, ", "))
		}
	}
	if sid, ok := s["Sid"]; ok {
		str, isStr := sid.(string)
		switch {
		case !isStr:
			v.add(field+".Sid", "must be a string, found %s", jsonKind(sid))
		case !isSid(str):
			v.add(field+".Sid", "%q may hold only letters and digits", str)
		case str != "" && sids[str]:
			v.add(field+".Sid", "%q is used by another statement", str)
		default:
			sids[str] = true
		}
	}
	switch e, ok := s["Effect"]; {
	case !ok:
		v.add(field+".Effect", "is required (Allow or Deny)")
	case e != "Allow" && e != "Deny":
		v.add(field+".Effect", "must be Allow or Deny, found %s", describe(e))
	}

	v.exactlyOne(field, s, "Action", "NotAction", true, v.action)
	switch v.kind {
	case Identity:
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if _, ok := s[k]; ok {
				v.add(field+"."+k, "is not allowed in a permission policy (only in trust and resource policies)")
			}
		}
		v.exactlyOne(field, s, "Resource", "NotResource", true, v.resource)
	case Trust:
		v.exactlyOne(field, s, "Principal", "NotPrincipal", true, nil)
		if p, ok := s["Principal"]; ok {
			v.principal(field+".Principal", p)
		}
		if _, ok := s["NotPrincipal"]; ok {
			v.add(field+".NotPrincipal", "is not allowed in a role trust policy")
		}
		for _, k := range []string{"Resource", "NotResource"} {
			if _, ok := s[k]; ok {
				v.add(field+"."+k, "is not allowed in a role trust policy")
			}
		}
	}
	if c, ok := s["Condition"]; ok {
		v.condition(field+".Condition", c)
	}
}

// exactlyOne checks that a statement has one of two elements (a, b), and
// checks each string of the one present with check.
func (v *validator) exactlyOne(field string, s map[string]any, a, b string, required bool, check func(field, value string)) {
	_, hasA := s[a]
	_, hasB := s[b]
	switch {
	case hasA && hasB:
		v.add(field, "has both %s and %s; use one", a, b)
		return
	case !hasA && !hasB:
		if required {
			v.add(field+"."+a, "is required (or %s)", b)
		}
		return
	}
	key := a
	if hasB {
		key = b
	}
	if check == nil {
		return
	}
	for i, str := range v.stringList(field+"."+key, s[key]) {
		check(fmt.Sprintf("%s.%s[%d]", field, key, i), str)
	}
}

// stringList reads a string or a non-empty list of strings.
func (v *validator) stringList(field string, x any) []string {
	switch x := x.(type) {
	case string:
		return []string{x}
	case []any:
		if len(x) == 0 {
			v.add(field, "must not be empty")
		}
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				v.add(fmt.Sprintf("%s[%d]", field, i), "must be a string, found %s", jsonKind(e))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	v.add(field, "must be a string or a list of strings, found %s", jsonKind(x))
	return nil
}

func (v *validator) action(field, a string) {
	if a != "*" && !isAction(a) {
		v.add(field, "%q is not an action of the form service:Action (wildcards * and ? allowed) or \"*\"", a)
	}
}

func (v *validator) resource(field, r string) {
	if r == "*" {
		return
	}
	a, err := arn.Parse(r)
	if err != nil {
		v.add(field, "%q is not \"*\" or an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", r)
		return
	}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		v.add(field, "%q has an empty partition, service or resource", r)
	}
}

func (v *validator) principal(field string, p any) {
	if p == "*" {
		return
	}
	m, ok := p.(map[string]any)
	if !ok {
		v.add(field, "must be \"*\" or an object of AWS, Federated, Service or CanonicalUser, found %s", describe(p))
		return
	}
	if len(m) == 0 {
		v.add(field, "must not be empty")
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f := field + "." + k
		vals := v.stringList(f, m[k])
		for i, s := range vals {
			ef := fmt.Sprintf("%s[%d]", f, i)
			switch k {
			case "AWS":
				if s != "*" && !isAccount(s) {
					if a, err := arn.Parse(s); err != nil || (a.Service != "iam" && a.Service != "sts") {
						v.add(ef, "%q is not \"*\", an account ID or an IAM/STS ARN", s)
					}
				}
			case "Federated":
				if a, err := arn.Parse(s); err == nil {
					if a.Service != "iam" || !(strings.HasPrefix(a.Resource, "oidc-provider/") || strings.HasPrefix(a.Resource, "saml-provider/")) {
						v.add(ef, "%q is not an IAM OIDC or SAML provider ARN", s)
					}
				} else if !slices.Contains(webIdentityProviders, s) {
					v.add(ef, "%q is not an OIDC/SAML provider ARN or one of %s", s, strings.Join(webIdentityProviders, ", "))
				}
			case "Service":
				if !isService(s) {
					v.add(ef, "%q is not a service principal (NAME.amazonaws.com)", s)
				}
			case "CanonicalUser":
				if !isCanonical(s) {
					v.add(ef, "%q is not a canonical user ID (64 hex digits)", s)
				}
			default:
				v.add(f, "unknown principal type (known: AWS, Federated, Service, CanonicalUser)")
			}
		}
	}
}

var webIdentityProviders = []string{"accounts.google.com", "cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com"}

// conditionOperators are IAM's condition operators, before the IfExists
// suffix and the ForAllValues:/ForAnyValue: prefixes.
var conditionOperators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
	"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

func validOperator(op string) bool {
	op, _ = strings.CutPrefix(op, "ForAllValues:")
	op, _ = strings.CutPrefix(op, "ForAnyValue:")
	if base, ok := strings.CutSuffix(op, "IfExists"); ok {
		return base != "Null" && slices.Contains(conditionOperators, base)
	}
	return slices.Contains(conditionOperators, op)
}

func (v *validator) condition(field string, c any) {
	m, ok := c.(map[string]any)
	if !ok {
		v.add(field, "must be an object of operator to {key: values}, found %s", jsonKind(c))
		return
	}
	for _, op := range slices.Sorted(maps.Keys(m)) {
		f := field + "." + op
		if !validOperator(op) {
			v.add(f, "unknown condition operator %q", op)
			continue
		}
		keys, ok := m[op].(map[string]any)
		if !ok || len(keys) == 0 {
			v.add(f, "must be a non-empty object of condition key to values, found %s", describe(m[op]))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			kf := f + "." + k
			if !isCondKey(k) {
				v.add(kf, "%q is not a condition key of the form prefix:name", k)
			}
			switch val := keys[k].(type) {
			case string, bool, json.Number:
			case []any:
				if len(val) == 0 {
					v.add(kf, "must not be an empty list")
				}
				for i, e := range val {
					switch e.(type) {
					case string, bool, json.Number:
					default:
						v.add(fmt.Sprintf("%s[%d]", kf, i), "must be a string, number or boolean, found %s", jsonKind(e))
					}
				}
			default:
				v.add(kf, "must be a string, number, boolean or a list of them, found %s", jsonKind(val))
			}
		}
	}
}

func jsonKind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

func describe(x any) string {
	if s, ok := x.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return jsonKind(x)
}

// ErrInvalid is matched by errors.Is on a *ValidationError.
var ErrInvalid = errors.New("invalid IAM policy")

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
