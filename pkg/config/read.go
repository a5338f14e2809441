package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// InputError is a problem with one input.
type InputError struct {
	Input  string // the input's name, such as "role-session-duration"
	Reason string
}

// Error names the input and what is wrong with it.
func (e *InputError) Error() string { return fmt.Sprintf("input %s: %s", e.Input, e.Reason) }

// Read reads every input of the action with a.GetInput (the INPUT_<NAME>
// environment variables), applies the defaults, parses booleans, numbers,
// durations and JSON strictly, and checks every value. The error joins one
// *InputError per problem (match them with errors.As, or walk
// errors.Join's Unwrap() []error); Inputs holds what could be read.
//
// A default that is a workflow expression (github-token's ${{ github.token }})
// is not applied: GitHub evaluates it before the action starts, so an empty
// value means the workflow passed an empty one.
func Read(a *githubactions.Action) (Inputs, error) {
	fs, err := fields()
	if err != nil {
		return Inputs{}, err
	}
	var in Inputs
	var errs []error
	fail := func(input, format string, args ...any) {
		errs = append(errs, &InputError{Input: input, Reason: fmt.Sprintf(format, args...)})
	}
	v := reflect.ValueOf(&in).Elem()
	notifySet := false
	for _, f := range fs.inputs {
		raw := a.GetInput(f.Name)
		if f.Name == "notify" {
			notifySet = raw != ""
		}
		if raw == "" {
			if f.Required {
				fail(f.Name, "is required")
				continue
			}
			raw = f.Default()
			if raw == "" || strings.Contains(raw, "${{") {
				continue
			}
		}
		if err := setField(v.Field(f.Index), f, raw); err != nil {
			fail(f.Name, "%v", err)
		}
	}
	if !notifySet {
		in.Notify = in.BackstageURL != ""
	}
	for _, p := range in.check(notifySet) {
		errs = append(errs, p)
	}
	return in, errors.Join(errs...)
}

// setField parses raw into the field and checks it against its schema.
func setField(fv reflect.Value, f *field, raw string) error {
	s := f.Schema
	switch fv.Interface().(type) {
	case string:
		if n := utf8.RuneCountInString(raw); s.MaxLength != nil && uint64(n) > *s.MaxLength {
			return fmt.Errorf("is %d characters long, at most %d allowed", n, *s.MaxLength)
		}
		if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return e == raw }) {
			return fmt.Errorf("%q is not one of %s", raw, joinAny(s.Enum))
		}
		if f.pattern != nil && !f.pattern.MatchString(raw) {
			return fmt.Errorf("%q is not %s", raw, formatName(f.Name))
		}
		if s.Format == "uri" {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("%q is not an http(s) URL", raw)
			}
		}
		fv.SetString(raw)
	case bool:
		switch raw {
		case "true", "True", "TRUE":
			fv.SetBool(true)
		case "false", "False", "FALSE":
			fv.SetBool(false)
		default:
			return fmt.Errorf("%q is not a boolean (true or false)", raw)
		}
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		if lo, err := s.Minimum.Int64(); err == nil && int64(n) < lo {
			return fmt.Errorf("%d is less than %d", n, lo)
		}
		if hi, err := s.Maximum.Int64(); err == nil && int64(n) > hi {
			return fmt.Errorf("%d is more than %d", n, hi)
		}
		fv.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil || strings.HasPrefix(raw, "+") || strings.HasPrefix(raw, "-") {
			return fmt.Errorf("%q is not a duration such as 30m or 1h30m", raw)
		}
		if d < MinTimeout || d > MaxTimeout {
			return fmt.Errorf("%s is not between %s and %s", raw, MinTimeout, fmtDuration(MaxTimeout))
		}
		fv.SetInt(int64(d))
	case []string:
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return fmt.Errorf("is not a JSON array of strings, such as [\"bin/migrate\", \"--up\"]: %v", err)
		}
		if len(list) == 0 {
			return fmt.Errorf("is an empty array")
		}
		fv.Set(reflect.ValueOf(list))
	default:
		panic(fmt.Sprintf("config: input %s has unsupported type %s", f.Name, fv.Type()))
	}
	return nil
}

// formatName says what an input with a pattern must be, for messages.
func formatName(input string) string {
	switch input {
	case "environment":
		return "an environment name (letters, digits and [-_.], starting and ending with a letter or digit)"
	case "role-arn":
		return "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
	case "aws-region":
		return "an AWS region code such as us-east-1"
	case "container":
		return "an ECS container name (1-255 letters, digits, hyphens and underscores)"
	case "backstage-task":
		return "a scaffolder task id (letters, digits and [-_.])"
	case "backstage-token-secret":
		return "a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
	case "task-role-arn", "execution-role-arn":
		return "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
	case "images", "environment-variables", "secrets", "tags", "subnets", "security-groups", "capacity-provider-strategy", "codedeploy-appspec":
		return "text without control characters"
	case "codedeploy-application", "codedeploy-deployment-group", "codedeploy-config":
		return "a CodeDeploy name (1-100 letters, digits and _.+@-)"
	case "desired-count":
		return "a whole number of tasks (0 to 99999)"
	}
	return "in the expected format"
}

func fmtDuration(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

func joinAny(vs []any) string {
	var s []string
	for _, v := range vs {
		s = append(s, fmt.Sprint(v))
	}
	return strings.Join(s, ", ")
}

// onlyFor lists the inputs that only make sense in some modes.
var onlyFor = map[string][]string{
	"input":               {ModeStepFunctions},
	"input-file":          {ModeStepFunctions},
	"redrive":             {ModeStepFunctions},
	"image":               {ModeECSDeploy, ModeECSRunTask},
	"container":           {ModeECSDeploy, ModeECSRunTask},
	"task-definition":     {ModeECSDeploy, ModeECSRunTask},
	"register-only":       {ModeECSDeploy, ModeECSRunTask},
	"rollback-on-failure": {ModeECSDeploy},
	"command":             {ModeECSRunTask},

	"definition-file": {ModeStepFunctionsDeploy},
	"substitutions":   {ModeStepFunctionsDeploy},
	"alias":           {ModeStepFunctionsDeploy},
	"canary-weight":   {ModeStepFunctionsDeploy},
	"canary-window":   {ModeStepFunctionsDeploy},

	"images":                      {ModeECSDeploy},
	"environment-variables":       {ModeECSDeploy},
	"secrets":                     {ModeECSDeploy},
	"task-role-arn":               {ModeECSDeploy},
	"execution-role-arn":          {ModeECSDeploy},
	"desired-count":               {ModeECSDeploy},
	"force-new-deployment":        {ModeECSDeploy},
	"keep-revisions":              {ModeECSDeploy},
	"codedeploy-application":      {ModeECSDeploy},
	"codedeploy-deployment-group": {ModeECSDeploy},
	"codedeploy-appspec":          {ModeECSDeploy},
	"codedeploy-config":           {ModeECSDeploy},
	"tags":                        {ModeECSDeploy, ModeECSRunTask},
	"propagate-tags":              {ModeECSDeploy, ModeECSRunTask},
	"enable-ecs-managed-tags":     {ModeECSDeploy, ModeECSRunTask},
	"subnets":                     {ModeECSRunTask},
	"security-groups":             {ModeECSRunTask},
	"assign-public-ip":            {ModeECSRunTask},
	"launch-type":                 {ModeECSRunTask},
	"capacity-provider-strategy":  {ModeECSRunTask},
}

// set reports, per input of onlyFor, whether in sets it.
func (in *Inputs) set() map[string]bool {
	return map[string]bool{
		"input": in.Input != "", "input-file": in.InputFile != "", "redrive": in.Redrive,
		"image": in.Image != "", "container": in.Container != "", "task-definition": in.TaskDefinition != "",
		"register-only": in.RegisterOnly, "rollback-on-failure": in.RollbackOnFailure, "command": len(in.Command) > 0,

		"definition-file": in.DefinitionFile != "", "substitutions": in.Substitutions != "", "alias": in.Alias != "",
		"canary-weight": in.CanaryWeight > 0, "canary-window": in.CanaryWindow > 0,

		"images": in.Images != "", "environment-variables": in.EnvironmentVariables != "", "secrets": in.Secrets != "",
		"task-role-arn": in.TaskRoleARN != "", "execution-role-arn": in.ExecutionRoleARN != "",
		"desired-count": in.DesiredCount != "", "force-new-deployment": in.ForceNewDeployment, "keep-revisions": in.KeepRevisions > 0,
		"codedeploy-application": in.CodeDeployApplication != "", "codedeploy-deployment-group": in.CodeDeployDeploymentGroup != "",
		"codedeploy-appspec": in.CodeDeployAppSpec != "", "codedeploy-config": in.CodeDeployConfig != "",
		"tags": in.Tags != "", "propagate-tags": in.PropagateTags != "", "enable-ecs-managed-tags": in.EnableECSManagedTags,
		"subnets": in.Subnets != "", "security-groups": in.SecurityGroups != "", "assign-public-ip": in.AssignPublicIP != "",
		"launch-type": in.LaunchType != "", "capacity-provider-strategy": in.CapacityProviderStrategy != "",
	}
}

// CheckMode checks that the inputs suit mode, which is one of the modes
// other than auto: the runner calls it once it has resolved auto from the
// entity's annotations (Read calls it for a mode given explicitly). The error
// joins one *InputError per input that mode does not read.
func (in *Inputs) CheckMode(mode string) error {
	var errs []error
	set := in.set()
	for _, name := range InputNames() {
		modes, ok := onlyFor[name]
		if ok && set[name] && !slices.Contains(modes, mode) {
			errs = append(errs, &InputError{Input: name, Reason: fmt.Sprintf("is not used in mode %s (only in %s)", mode, strings.Join(modes, ", "))})
		}
	}
	return errors.Join(errs...)
}

// check finds the problems that involve more than one input.
func (in *Inputs) check(notifySet bool) []error {
	var errs []error
	if in.Input != "" && !json.Valid([]byte(in.Input)) {
		var v any
		err := json.Unmarshal([]byte(in.Input), &v)
		errs = append(errs, &InputError{Input: "input", Reason: fmt.Sprintf("is not valid JSON: %v", err)})
	}
	if in.Input != "" && in.InputFile != "" {
		errs = append(errs, &InputError{Input: "input-file", Reason: "cannot be used with input; give one of them"})
	}
	if in.BackstageToken != "" && in.BackstageURL == "" {
		errs = append(errs, &InputError{Input: "backstage-token", Reason: "is set but backstage-url is not"})
	}
	if in.BackstageAudience == "backstage" {
		errs = append(errs, &InputError{Input: "backstage-audience", Reason: "cannot be \"backstage\": Backstage takes a token with that audience for one of its own user tokens and refuses it; use the default stagecrew-backstage, or your own"})
	}
	if in.BackstageTask != "" && in.BackstageURL == "" {
		errs = append(errs, &InputError{Input: "backstage-task", Reason: "is set but backstage-url is not: the task is read from Backstage"})
	}
	if in.BackstageTokenSecret != "" && in.BackstageURL == "" {
		errs = append(errs, &InputError{Input: "backstage-token-secret", Reason: "is set but backstage-url is not"})
	}
	if in.BackstageTokenSecret != "" && in.BackstageToken != "" {
		errs = append(errs, &InputError{Input: "backstage-token-secret", Reason: "cannot be used with backstage-token; give one of them"})
	}
	if notifySet && in.Notify && in.BackstageURL == "" {
		errs = append(errs, &InputError{Input: "notify", Reason: "is true but backstage-url is not set"})
	}
	if in.LaunchType != "" && in.CapacityProviderStrategy != "" {
		errs = append(errs, &InputError{Input: "capacity-provider-strategy", Reason: "cannot be used with launch-type; give one of them"})
	}
	if in.Alias != "" {
		if err := annotations.CheckAliasName(in.Alias); err != nil {
			errs = append(errs, &InputError{Input: "alias", Reason: err.Error()})
		}
	}
	if in.Substitutions != "" {
		if _, err := annotations.ParseSubstitutionLines(in.Substitutions); err != nil {
			errs = append(errs, &InputError{Input: "substitutions", Reason: err.Error()})
		}
	}
	if in.CanaryWindow > 0 && in.CanaryWeight == 0 {
		errs = append(errs, &InputError{Input: "canary-window", Reason: "is set but canary-weight is not: without a weight the alias moves at once"})
	}
	if in.Redrive && in.Input+in.InputFile != "" {
		errs = append(errs, &InputError{Input: "redrive", Reason: "reruns a failed execution with its own input; input and input-file cannot be used with it"})
	}
	if in.Mode != "" && in.Mode != ModeAuto && slices.Contains(Modes, in.Mode) {
		if err := in.CheckMode(in.Mode); err != nil {
			errs = append(errs, err.(interface{ Unwrap() []error }).Unwrap()...)
		}
	}
	return errs
}
