// Package backstage is a small client for the Backstage backend's REST APIs
// that stagecrew uses: the catalog (entities by ref and by query, refresh),
// scaffolder tasks, notifications to an entity's owners, and events.
// External callers authenticate with a bearer token the backend's
// backend.auth.externalAccess accepts: a static token, or a JWT it verifies
// itself (type jwks), such as the workflow's own GitHub OIDC token, fetched
// fresh through WithTokenSource. The token never appears in errors or logs.
package backstage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Sentinel errors matched with errors.Is.
var (
	ErrNotFound     = errors.New("backstage: not found")
	ErrUnauthorized = errors.New("backstage: unauthorized")
)

// APIError is an error answer from Backstage.
type APIError struct {
	Method, Path string
	Status       int
	Name         string // Backstage's error name, such as NotFoundError
	Message      string
}

// Error says which call failed and what Backstage answered.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("backstage: %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Name, msg)
}

// Is makes errors.Is work with ErrNotFound and ErrUnauthorized.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// Client talks to one Backstage backend.
type Client struct {
	base   *url.URL
	token  string
	source TokenSource
	http   *http.Client
	logger *slog.Logger
	// Retries is how many times a request that can safely be repeated is
	// retried after a network error, 429 or 5xx answer.
	retries int
}

// Option changes a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with a 30 s timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithLogger sets where the client logs retries.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.logger = l } }

// TokenSource returns the bearer token for a request. It is called before
// every request, so it should cache a token until shortly before it
// expires.
type TokenSource func(ctx context.Context) (string, error)

// WithTokenSource authenticates every request with a token from src instead
// of the static token New was given.
func WithTokenSource(src TokenSource) Option { return func(c *Client) { c.source = src } }

// WithRetries sets how often safe requests are retried (default 3).
func WithRetries(n int) Option { return func(c *Client) { c.retries = n } }

// New returns a client for the backend at baseURL (such as
// https://backstage.example.com) authenticating with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("backstage: base URL %q must be an http(s) URL", baseURL)
	}
	c := &Client{base: u, token: token, http: &http.Client{Timeout: 30 * time.Second}, logger: slog.New(slog.DiscardHandler), retries: 3}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL returns the backend's base URL, as New was given it (without a
// trailing slash).
func (c *Client) BaseURL() string { return c.base.String() }

// do sends one request and decodes a JSON answer into out (when not nil).
// safe requests are retried.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any, safe bool) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("backstage: %s %s: %w", method, path, err)
		}
	}
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	attempts := 1
	if safe {
		attempts += c.retries
	}
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			delay := time.Duration(rand.Int64N(int64(200*time.Millisecond) << (attempt - 2)))
			c.logger.Debug("backstage: retrying", "method", method, "path", path, "attempt", attempt, "after", delay, "error", lastErr)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("backstage: %s %s: %w", method, path, err)
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		token := c.token
		if c.source != nil {
			if token, err = c.source(ctx); err != nil {
				return fmt.Errorf("backstage: %s %s: getting a token: %w", method, path, err)
			}
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = fmt.Errorf("backstage: %s %s: %w", method, path, redact(err, token))
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			lastErr = fmt.Errorf("backstage: %s %s: reading the answer: %w", method, path, err)
			continue
		}
		if resp.StatusCode/100 != 2 {
			apiErr := &APIError{Method: method, Path: path, Status: resp.StatusCode}
			var e struct {
				Error struct{ Name, Message string } `json:"error"`
			}
			if json.Unmarshal(data, &e) == nil {
				apiErr.Name, apiErr.Message = e.Error.Name, e.Error.Message
			}
			lastErr = apiErr
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
				continue
			}
			return apiErr
		}
		if out == nil || len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("backstage: %s %s: the answer is not the expected JSON: %w", method, path, err)
		}
		return nil
	}
	return lastErr
}

// redact removes the token from an error's text (url.Error can carry a URL,
// never the header, but be sure).
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// Entity returns the entity ref names, or an error matching ErrNotFound.
func (c *Client) Entity(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error) {
	path := "/api/catalog/entities/by-name/" + url.PathEscape(ref.Kind) + "/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Name)
	var raw map[string]any
	if err := c.do(ctx, http.MethodGet, path, nil, nil, &raw, true); err != nil {
		return nil, err
	}
	return catalog.FromRaw(raw, catalog.Source{File: c.base.String() + path}), nil
}

// Query returns every entity matching all of the filters (Backstage's
// filter syntax: key=value, such as "kind=user" or
// "metadata.annotations.github.com/user-login=octocat"), following the
// cursor through all pages.
func (c *Client) Query(ctx context.Context, filters ...string) ([]*catalog.Entity, error) {
	var out []*catalog.Entity
	q := url.Values{}
	if len(filters) > 0 {
		q.Set("filter", strings.Join(filters, ","))
	}
	q.Set("limit", "200")
	for page := 0; page < 1000; page++ {
		var resp struct {
			Items    []map[string]any `json:"items"`
			PageInfo struct {
				NextCursor string `json:"nextCursor"`
			} `json:"pageInfo"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/catalog/entities/by-query", q, nil, &resp, true); err != nil {
			return nil, err
		}
		for _, raw := range resp.Items {
			out = append(out, catalog.FromRaw(raw, catalog.Source{File: c.base.String()}))
		}
		if resp.PageInfo.NextCursor == "" {
			return out, nil
		}
		q = url.Values{"cursor": {resp.PageInfo.NextCursor}, "limit": {"200"}}
	}
	return nil, fmt.Errorf("backstage: query %v: more than 1000 pages", filters)
}

// Refresh asks the catalog to process the entity again soon.
func (c *Client) Refresh(ctx context.Context, ref catalog.Ref) error {
	return c.do(ctx, http.MethodPost, "/api/catalog/refresh", nil, map[string]string{"entityRef": ref.String()}, nil, true)
}

// Severity of a notification.
type Severity string

// Severities Backstage knows.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityNormal   Severity = "normal"
	SeverityLow      Severity = "low"
)

// Notification is what Notify sends. Recipients are entity refs: a group
// reaches its members, an entity reaches its owner.
type Notification struct {
	Recipients  []catalog.Ref
	Title       string
	Description string
	Link        string
	Severity    Severity
	Topic       string
	// Scope makes a later notification with the same scope update this one
	// instead of adding another (one notification per deployment).
	Scope string
}

// Sent is one notification Backstage created, one per user reached.
type Sent struct {
	ID   string `json:"id"`
	User string `json:"user"`
}

// Notify sends a notification and returns what Backstage created.
func (c *Client) Notify(ctx context.Context, n Notification) ([]Sent, error) {
	if n.Title == "" {
		return nil, errors.New("backstage: a notification needs a title")
	}
	refs := make([]string, len(n.Recipients))
	for i, r := range n.Recipients {
		refs[i] = r.String()
	}
	payload := map[string]any{"title": n.Title}
	for k, v := range map[string]string{"description": n.Description, "link": n.Link, "severity": string(n.Severity), "topic": n.Topic, "scope": n.Scope} {
		if v != "" {
			payload[k] = v
		}
	}
	body := map[string]any{"recipients": map[string]any{"type": "entity", "entityRef": refs}, "payload": payload}
	var sent []Sent
	// Not retried: without a scope a repeat would notify twice.
	if err := c.do(ctx, http.MethodPost, "/api/notifications", nil, body, &sent, n.Scope != ""); err != nil {
		return nil, err
	}
	return sent, nil
}

// PublishEvent posts payload to an events topic (events.http.topics in the
// backend's configuration).
func (c *Client) PublishEvent(ctx context.Context, topic string, payload any) error {
	return c.do(ctx, http.MethodPost, "/api/events/http/"+url.PathEscape(topic), nil, payload, nil, false)
}

// Task is a scaffolder task as GET /api/scaffolder/v2/tasks/{id} answers
// it (secrets are never part of the answer).
type Task struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"` // open, processing, completed, failed, cancelled
	CreatedAt time.Time `json:"createdAt"`
	// CreatedBy is the entity ref of the user who created the task, as
	// Backstage's auth established it: user:default/alice.
	CreatedBy string   `json:"createdBy"`
	Spec      TaskSpec `json:"spec"`
}

// TaskSpec is the part of a task's spec stagecrew reads.
type TaskSpec struct {
	TemplateInfo struct {
		EntityRef string `json:"entityRef"` // template:default/stagecrew-deploy
	} `json:"templateInfo"`
	Parameters map[string]any `json:"parameters"`
}

// Task returns the scaffolder task with the given id, or an error matching
// ErrNotFound.
func (c *Client) Task(ctx context.Context, id string) (*Task, error) {
	if id == "" || strings.ContainsAny(id, "/?#%") {
		return nil, fmt.Errorf("backstage: %q is not a task id", id)
	}
	var t Task
	if err := c.do(ctx, http.MethodGet, "/api/scaffolder/v2/tasks/"+url.PathEscape(id), nil, nil, &t, true); err != nil {
		return nil, err
	}
	if t.ID != id {
		return nil, fmt.Errorf("backstage: asked for task %s, the answer is task %q", id, t.ID)
	}
	return &t, nil
}
