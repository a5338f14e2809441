// Package asl models and validates Amazon States Language definitions, the
// JSON documents AWS Step Functions runs, in both query languages (JSONPath
// and JSONata).
//
// [Parse] decodes a definition keeping the position of every value, and
// [Definition.Validate] checks it against the specification
// (states-language.net) and the rules AWS documents on top of it: state
// types with their required and forbidden fields per query language, Next
// and End, reachability, scopes (no transition into or out of a Parallel
// branch or a Map item processor), Choice rules, Wait, timeouts and
// heartbeats, Retry and Catch, Map (inline and distributed), paths and
// reference paths, payload templates (".$" fields), intrinsic functions,
// Assign variables, JSONata "{% %}" expressions and name lengths.
// [Validate] does both for raw bytes.
//
// Each [Finding] names a stable rule ID (listed by [Rules]), a severity, a
// JSON pointer and the line and column in the source. Errors are what Step
// Functions rejects or what cannot work when run; warnings are legal but
// most likely mistakes.
//
// Typical use, before deploying a definition:
//
//	findings := asl.Validate(data)
//	if asl.HasErrors(findings) {
//		for _, f := range findings {
//			fmt.Println(f) // "12:7: error: Next \"Done\" is not a state ... [next-unknown] (at /States/Fetch/Next)"
//		}
//	}
//
// and, to look at the states as well (Task resources for IAM policies, names
// for a diff):
//
//	def, err := asl.Parse(data) // err is a *SyntaxError
//	findings := def.Validate()  // def.ValidateExpress() for an EXPRESS state machine
//	def.Walk(func(s *asl.State) bool { fmt.Println(s.Name, s.Type, s.Resource); return true })
//
// The package does no I/O and keeps no state; it is safe for concurrent use
// and bounded in time and memory by its input's size.
package asl
