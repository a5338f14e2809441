package actions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

// ErrExport: the credentials were granted but could not be handed to later
// steps (GITHUB_ENV or the AWS files could not be written).
var ErrExport = errors.New("stagecrew: exporting the credentials")

// Exported is what the credentials action handed to later steps.
type Exported struct {
	Grant      *Grant
	Export     string // config.ExportEnv or config.ExportProfile
	Profile    string // the profile written (ExportProfile)
	Expires    time.Time
	ConfigFile string // the AWS files written (ExportProfile)
	CredsFile  string
}

// Credentials is the credentials action (actions/credentials): Authorize,
// with the same OIDC verification, trusted facts, policy decision (on
// policy.ActionCredentials, so a policy can allow a role's credentials
// apart from starting things) and audit record as Run, then the role's
// credentials for later steps of the job, with the session duration asked
// for: masked environment variables through GITHUB_ENV, or a named profile
// in the AWS shared files. Nothing is exported when the policy denies.
//
// Every secret is masked (::add-mask::) before anything else is written,
// and none is ever printed.
func Credentials(ctx context.Context, d Deps) (*Exported, error) {
	d = d.withDefaults()
	a := d.Action
	ci, err := config.ReadCredentials(a)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInputs, err)
	}
	d.PolicyAction = policy.ActionCredentials
	g, err := Authorize(ctx, d)
	if g == nil {
		return nil, err
	}
	out := config.CredentialsOutputs{Status: "allowed", RoleARN: g.Role.String(), AWSAccountID: g.Role.Account, AuditRecord: auditJSON(g.Record)}
	if err != nil {
		out = config.CredentialsOutputs{Status: "denied", AuditRecord: auditJSON(g.Record)}
		writeCredentialsReport(d, g, out, fmt.Sprintf("### AWS credentials: denied\n\n%s\n\nTo allow it: %s\n", mdSafe(g.Decision.Reason), mdSafe(g.Decision.Remedy)))
		return &Exported{Grant: g}, err
	}

	creds, err := g.AWS.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("stagecrew: %w", err)
	}
	for _, secret := range []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken} {
		if secret != "" {
			a.AddMask(secret)
		}
	}
	ex := &Exported{Grant: g, Export: ci.Export, Expires: creds.Expires}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	region := g.AWS.Region
	switch ci.Export {
	case config.ExportProfile:
		ex.Profile = ci.Profile
		if ex.ConfigFile, ex.CredsFile, err = writeProfile(a.Getenv, ci.Profile, region, creds); err != nil {
			return ex, fmt.Errorf("%w: %w", ErrExport, err)
		}
		out.Profile = ci.Profile
	default:
		pairs := [][2]string{{"AWS_ACCESS_KEY_ID", creds.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey}, {"AWS_SESSION_TOKEN", creds.SessionToken}}
		if region != "" {
			pairs = append(pairs, [2]string{"AWS_REGION", region}, [2]string{"AWS_DEFAULT_REGION", region})
		}
		if err := config.AppendFileCommands(a.Getenv, "GITHUB_ENV", pairs); err != nil {
			return ex, fmt.Errorf("%w: %w", ErrExport, err)
		}
	}
	how := "as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
	if ci.Export == config.ExportProfile {
		how = fmt.Sprintf("as the AWS profile %s", ci.Profile)
	}
	expires := "do not expire"
	if out.Expiration != "" {
		expires = "expire at " + out.Expiration
	}
	fmt.Fprintf(d.Log, "stagecrew: credentials of %s exported to the job's later steps %s; they %s\n", g.Role, how, expires)
	writeCredentialsReport(d, g, out, fmt.Sprintf("### AWS credentials: %s in %s\n\nRole `%s` for %s, exported %s; they %s. Decided by %s.\n",
		mdSafe(g.Entity.Ref().String()), mdSafe(g.Inputs.Environment), g.Role, mdSafe(whoLabel(g)), how, expires, mdSafe(g.Decision.Rule)))
	return ex, nil
}

// writeCredentialsReport writes the outputs and the job summary; problems
// are logged, never allowed to change the outcome.
func writeCredentialsReport(d Deps, g *Grant, out config.CredentialsOutputs, md string) {
	if err := config.AppendFileCommands(d.Action.Getenv, "GITHUB_OUTPUT", out.Values()); err != nil {
		fmt.Fprintf(d.Log, "stagecrew: writing outputs: %v\n", err)
	}
	if err := config.AppendStepSummary(d.Action.Getenv, md); err != nil {
		fmt.Fprintf(d.Log, "stagecrew: writing the job summary: %v\n", err)
	}
}

// writeProfile writes the credentials as profile name into the AWS shared
// credentials file and its region into the config file (AWS_SHARED_CREDENTIALS_FILE
// and AWS_CONFIG_FILE, or ~/.aws/credentials and ~/.aws/config), replacing
// only that profile's section. Both files are written with mode 0600.
func writeProfile(getenv func(string) string, name, region string, creds aws.Credentials) (configFile, credsFile string, err error) {
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	credsFile, configFile = getenv("AWS_SHARED_CREDENTIALS_FILE"), getenv("AWS_CONFIG_FILE")
	if credsFile == "" || configFile == "" {
		if home == "" {
			return "", "", fmt.Errorf("neither HOME nor AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are set")
		}
		if credsFile == "" {
			credsFile = filepath.Join(home, ".aws", "credentials")
		}
		if configFile == "" {
			configFile = filepath.Join(home, ".aws", "config")
		}
	}
	credsBody := [][2]string{{"aws_access_key_id", creds.AccessKeyID}, {"aws_secret_access_key", creds.SecretAccessKey}, {"aws_session_token", creds.SessionToken}}
	if err := updateINI(credsFile, name, credsBody); err != nil {
		return "", "", err
	}
	section := "profile " + name
	if name == "default" {
		section = name
	}
	var cfgBody [][2]string
	if region != "" {
		cfgBody = append(cfgBody, [2]string{"region", region})
	}
	if err := updateINI(configFile, section, cfgBody); err != nil {
		return "", "", err
	}
	return configFile, credsFile, nil
}

// updateINI replaces section in the INI file at path (creating it).
func updateINI(path, section string, body [][2]string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	text, err := setINISection(string(old), section, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stagecrew-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mdSafe keeps outside text from breaking out of a markdown line.
func mdSafe(s string) string { return logSafe(s) }
