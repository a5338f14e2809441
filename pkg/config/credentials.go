package config

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/schema"
)

// How the credentials action hands the role's credentials to later steps.
const (
	ExportEnv     = "env"     // AWS_* variables in GITHUB_ENV, masked
	ExportProfile = "profile" // a named profile in the AWS shared files
)

// CredentialsInputs are the inputs of actions/credentials beyond the
// Inputs it shares with the root action (entity, environment, role and the
// facts the policy decides on).
type CredentialsInputs struct {
	// Export says how later steps get the credentials.
	Export string `json:"export,omitempty" jsonschema:"title=Export,default=env,enum=env,enum=profile" jsonschema_description:"How later steps of the job get the credentials: env sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and AWS_DEFAULT_REGION for the rest of the job (each value masked in the log first); profile writes them as a named profile to the AWS shared config and credentials files (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, or ~/.aws), for tools given --profile or AWS_PROFILE."`

	// Profile names the profile written with export: profile.
	Profile string `json:"profile,omitempty" jsonschema:"title=Profile,default=stagecrew,maxLength=64" jsonschema_description:"The name of the AWS profile written with export: profile (letters, digits and [-_.]). An existing profile of that name is replaced; other profiles are kept."`
}

// PatternProfile matches a profile name the action writes.
const PatternProfile = `^[A-Za-z0-9][-A-Za-z0-9_.]*$`

var profileRE = regexp.MustCompile(PatternProfile)

// ReadCredentials reads the inputs of actions/credentials that Inputs does
// not hold, with their defaults; problems are *InputError values.
func ReadCredentials(a *githubactions.Action) (CredentialsInputs, error) {
	in := CredentialsInputs{Export: a.GetInput("export"), Profile: a.GetInput("profile")}
	if in.Export == "" {
		in.Export = ExportEnv
	}
	if in.Profile == "" {
		in.Profile = "stagecrew"
	}
	var errs []error
	if in.Export != ExportEnv && in.Export != ExportProfile {
		errs = append(errs, &InputError{Input: "export", Reason: fmt.Sprintf("%q is not one of env, profile", in.Export)})
	}
	if len(in.Profile) > 64 || !profileRE.MatchString(in.Profile) {
		errs = append(errs, &InputError{Input: "profile", Reason: fmt.Sprintf("%q is not a profile name (at most 64 letters, digits and [-_.])", in.Profile)})
	}
	return in, errors.Join(errs...)
}

// CredentialsOutputs are the outputs of actions/credentials.
type CredentialsOutputs struct {
	Status       string `json:"status" jsonschema:"enum=allowed,enum=denied" jsonschema_description:"allowed (the credentials are exported) or denied (the policy refused; nothing is exported and the step fails)."`
	RoleARN      string `json:"role-arn,omitempty" jsonschema_description:"The ARN of the role the credentials are for."`
	AWSAccountID string `json:"aws-account-id,omitempty" jsonschema_description:"The AWS account of the role."`
	Expiration   string `json:"expiration,omitempty" jsonschema_description:"When the credentials expire, in RFC 3339."`
	Profile      string `json:"profile,omitempty" jsonschema_description:"The AWS profile written (export: profile)."`
	AuditRecord  string `json:"audit-record,omitempty" jsonschema:"contentMediaType=application/json" jsonschema_description:"The audit record of the decision, as JSON."`
}

// Values returns the non-empty outputs by name.
func (o CredentialsOutputs) Values() [][2]string {
	var out [][2]string
	for _, kv := range [][2]string{{"status", o.Status}, {"role-arn", o.RoleARN}, {"aws-account-id", o.AWSAccountID},
		{"expiration", o.Expiration}, {"profile", o.Profile}, {"audit-record", o.AuditRecord}} {
		if kv[1] != "" {
			out = append(out, kv)
		}
	}
	return out
}

// ValidateInputs are the inputs of actions/validate, which runs
// 'stagecrew validate'.
type ValidateInputs struct {
	Paths  string `json:"paths,omitempty" jsonschema:"title=Paths,default=." jsonschema_description:"Files, folders or glob patterns to check, separated by spaces or new lines. Folders are searched for catalog files; globs are expanded by stagecrew, not the shell."`
	Strict bool   `json:"strict,omitempty" jsonschema:"title=Strict,default=false" jsonschema_description:"Treat references to entities not in the checked files (owners, systems) as errors instead of warnings."`
	Format string `json:"format,omitempty" jsonschema:"title=Format,default=text,enum=text,enum=json" jsonschema_description:"Output format on the log, text or json."`
}

// extraFields lists the fields of a sub-action's own inputs or outputs
// struct, described by its schema.
func extraFields(v any) ([]*field, error) {
	s, err := schema.For(v, schema.Options{Title: fmt.Sprintf("%T", v)})
	if err != nil {
		return nil, err
	}
	return fieldsOf(v, s)
}
