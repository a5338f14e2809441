package annotations

import (
	"slices"
	"strings"
)

// Regular expressions for the values of the annotations stagecrew reads, for
// JSON Schemas (editors, Ajv) and other tools that can only check a pattern.
// They are written in the subset that Go's regexp and ECMAScript (with the u
// flag, as Ajv 8 compiles them) read alike: no lookaround, no backreferences.
//
// Each agrees with its Parse or check function (a test proves it), except
// where a regular expression without lookaround cannot count or remember:
//
//   - PatternStateMachineARN does not bound an alias's length (80);
//   - PatternRoleARN does not bound a role path's length (512);
//   - PatternTags and PatternEnvironments do not catch a repeated key or name;
//   - PatternRepoPath accepts a value of only spaces;
//   - PatternAliasName does not bound the length (80);
//   - PatternSubstitutions does not bound a name's length (128) nor catch a
//     repeated name.
//
// The partition and region of an ARN must agree (arn:aws-cn: with cn-north-1),
// and the patterns encode that too.
var (
	// PatternRegion matches AWS region codes: us-east-1, cn-north-1,
	// us-gov-west-1, us-isob-east-1, eusc-de-east-1.
	PatternRegion = `^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-[0-9]$`

	// PatternStateMachineARN matches what ParseStateMachineARN accepts:
	// arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|:ALIAS].
	PatternStateMachineARN = "^" + regionalARN("states") +
		`stateMachine:[A-Za-z0-9_-]{1,80}(:([1-9][0-9]{0,18}|[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*))?$`

	// PatternServiceARN matches what ParseServiceARN accepts:
	// arn:PARTITION:ecs:REGION:ACCOUNT:service/[CLUSTER/]SERVICE.
	PatternServiceARN = "^" + regionalARN("ecs") + `service/([A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9_-]{1,255}$`

	// PatternRoleARN matches what ParseRoleARN accepts:
	// arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
	PatternRoleARN = `^arn:(` + strings.Join(Partitions, "|") + `):iam::[0-9]{12}:role/([!-.0-~]+/)*[\w+=,.@-]{1,64}$`

	// PatternTags matches what ParseTags accepts: key=value pairs separated
	// by commas.
	PatternTags = "^" + tagItem + "(," + tagItem + ")*$"

	// PatternEnvironments matches what ParseEnvironments accepts: object
	// names separated by commas.
	PatternEnvironments = `^` + envItem + `(,` + envItem + `)*$`

	// PatternObjectName matches Backstage object names (metadata.name,
	// label values, environment names) up to their length, which is at most
	// 63 and checked apart (maxLength in a JSON Schema).
	PatternObjectName = `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`

	// PatternContainer matches ECS container names (stagecrew.dev/ecs-container).
	PatternContainer = `^[A-Za-z0-9_-]{1,255}$`

	// PatternRepoPath matches clean paths relative to the repository root,
	// with forward slashes (stagecrew.dev/state-machine-definition,
	// stagecrew.dev/task-definition).
	PatternRepoPath = `^` + pathSegment + `(/` + pathSegment + `)*$`

	// PatternAliasName matches what CheckAliasName accepts
	// (stagecrew.dev/state-machine-alias.<env>).
	PatternAliasName = `^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$`

	// PatternSubstitutions matches what ParseSubstitutions accepts
	// (stagecrew.dev/definition-substitutions[.<env>]): NAME=value pairs
	// separated by commas or line breaks.
	PatternSubstitutions = `^[,\n\t\v\f\r\x85\p{Z}]*` + substItem + `([,\n][,\n\t\v\f\r\x85\p{Z}]*` + substItem + `)*[,\n\t\v\f\r\x85\p{Z}]*$`
)

const (
	// space is what strings.TrimSpace removes: Unicode White_Space, which is
	// \p{Z} and the controls tab, LF, VT, FF, CR and NEL.
	space = `[\t\n\v\f\r\x85\p{Z}]`
	// tagChar is a character AWS allows in tags, other than space and "=".
	tagChar = `[\p{L}\p{N}_.:/+@-]`
	// tagInner adds spaces, allowed inside keys and values.
	tagInner = `[\p{L}\p{N}\p{Z}_.:/+@-]`
	tagKey   = tagChar + `(` + tagInner + `{0,126}` + tagChar + `)?`
	tagValue = `(` + tagChar + `(` + tagInner + `{0,254}` + tagChar + `)?)?`
	tagItem  = space + `*` + tagKey + space + `*=` + space + `*` + tagValue + space + `*`

	envName = `[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?`
	envItem = space + `*` + envName + space + `*`

	substItem = space + `*[A-Za-z_][A-Za-z0-9_]*` + space + `*=[^,\n]*`

	// pathSegment is a non-empty segment other than "." and "..".
	pathSegment = `([^/\\.][^/\\]*|\.[^/\\.][^/\\]*|\.\.[^/\\]+)`
)

// regionalARN returns the pattern of "arn:PARTITION:SERVICE:REGION:ACCOUNT:"
// in which the region belongs to the partition, as partitionOfRegion decides.
func regionalARN(service string) string {
	var alts []string
	for _, p := range Partitions {
		alts = append(alts, p+":"+service+":"+regionOf[p])
	}
	return "arn:(" + strings.Join(alts, "|") + "):[0-9]{12}:"
}

// regionOf holds, per partition, the pattern of the region codes
// (PatternRegion) that partitionOfRegion assigns to it. Regions are
// SEG-[M-]W-DIGIT; partitionOfRegion looks at the prefixes cn- and eusc-, then
// at whether a middle segment (M or W) is gov, iso, isob, isoe or isof, in that
// order.
var regionOf = func() map[string]string {
	const d = `-[0-9]`
	notCN := `([abd-z][a-z]|c[a-mo-z])`
	special := []string{"gov", "iso", "isob", "isoe", "isof"}
	return map[string]string{
		"aws":        notCN + `-(` + notWords(special...) + `|iso` + notWords("b", "e", "f") + `-` + notWords(special...) + `)` + d,
		"aws-cn":     `cn-(gov-|iso[a-z]*-)?[a-z]+` + d,
		"aws-eusc":   `eusc-[a-z]{2}-[a-z]+` + d,
		"aws-us-gov": notCN + `-(gov|gov-[a-z]+|iso[a-z]*-gov)` + d,
		"aws-iso":    notCN + `-(iso|iso-` + notWords("gov") + `|iso[a-z]+-iso)` + d,
		"aws-iso-b":  notCN + `-(isob|isob-` + notWords("gov", "iso") + `|iso` + notWords("b") + `-isob)` + d,
		"aws-iso-e":  notCN + `-(isoe|isoe-` + notWords("gov", "iso", "isob") + `|iso` + notWords("b", "e") + `-isoe)` + d,
		"aws-iso-f":  notCN + `-(isof|isof-` + notWords("gov", "iso", "isob", "isoe") + `|iso` + notWords("b", "e", "f") + `-isof)` + d,
	}
}()

// notWords returns a pattern matching every string of [a-z]+ except words.
func notWords(words ...string) string { return notWordsAfter("", words) }

// notWordsAfter matches the suffixes s for which prefix+s is in [a-z]+ and is
// not one of words.
func notWordsAfter(prefix string, words []string) string {
	next := map[byte]bool{}
	for _, w := range words {
		if len(w) > len(prefix) && strings.HasPrefix(w, prefix) {
			next[w[len(prefix)]] = true
		}
	}
	emptyOK := prefix != "" && !slices.Contains(words, prefix)
	if len(next) == 0 {
		if emptyOK {
			return `[a-z]*`
		}
		return `[a-z]+`
	}
	var others strings.Builder
	others.WriteByte('[')
	for c := byte('a'); c <= 'z'; c++ {
		if next[c] {
			continue
		}
		start := c
		for c < 'z' && !next[c+1] {
			c++
		}
		others.WriteByte(start)
		if c > start {
			if c > start+1 {
				others.WriteByte('-')
			}
			others.WriteByte(c)
		}
	}
	others.WriteByte(']')
	alts := []string{others.String() + `[a-z]*`}
	for c := byte('a'); c <= 'z'; c++ {
		if next[c] {
			alts = append(alts, string(c)+notWordsAfter(prefix+string(c), words))
		}
	}
	out := "(" + strings.Join(alts, "|") + ")"
	if emptyOK {
		out += "?"
	}
	return out
}
