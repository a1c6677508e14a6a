package exec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultPath is searched when the command's environment has no PATH.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Exit statuses for a command that cannot be run, as POSIX shells use them.
const (
	StatusCannotExecute = 126 // found, but not executable
	StatusNotFound      = 127 // not found
)

// ErrNotFound is the error of a command name found in no directory of PATH.
var ErrNotFound = errors.New("executable file not found in $PATH")

var errNoCommand = errors.New("no command given")

// Error is a command that could not be started. Status is the exit status
// it stands for: 126 when the command was found but cannot be executed
// (permission denied, a directory, an unknown binary format, a missing
// interpreter, too many bytes of arguments and environment), 127 when it
// was not found. It reads like `exec: "foo": executable file not found in
// $PATH` and names the command, never a variable's value.
type Error struct {
	Name   string // the command as given
	Status int    // StatusCannotExecute or StatusNotFound
	Err    error  // why, often a syscall.Errno
}

func (e *Error) Error() string {
	return fmt.Sprintf("exec: %q: %v", e.Name, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// LookPath finds file as execvp does, in the PATH of env (the command's
// environment, not secretenv's own): the first PATH= entry counts, an
// empty element is the current directory, and DefaultPath stands for a
// missing PATH. A name with a slash is used as it is, without a search.
// The first regular file that may be executed wins; a candidate that
// exists but cannot be executed (no permission, a directory) is passed
// over, and if nothing else is found the error is 126, not 127. Errors are
// *Error.
func LookPath(file string, env []string) (string, error) {
	if file == "" {
		return "", &Error{Name: file, Status: StatusNotFound, Err: syscall.ENOENT}
	}
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			status := StatusCannotExecute
			if errors.Is(err, fs.ErrNotExist) {
				status = StatusNotFound
			}
			return "", &Error{Name: file, Status: status, Err: err}
		}
		return file, nil
	}
	path, ok := getenv(env, "PATH")
	if !ok {
		path = DefaultPath
	}
	var denied error
	for _, dir := range strings.Split(path, ":") { // "" is [""], unlike filepath.SplitList
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if !strings.Contains(p, "/") {
			p = "./" + p
		}
		err := executable(p)
		if err == nil {
			return p, nil
		}
		if denied == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			denied = fmt.Errorf("%s: %w", p, err)
		}
	}
	if denied != nil {
		return "", &Error{Name: file, Status: StatusCannotExecute, Err: denied}
	}
	return "", &Error{Name: file, Status: StatusNotFound, Err: ErrNotFound}
}

// executable reports why execve could not run path, as far as a stat and
// an access check can tell: nil, an fs.ErrNotExist, EISDIR, EACCES.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	switch {
	case fi.IsDir():
		return syscall.EISDIR
	case !fi.Mode().IsRegular():
		return syscall.EACCES
	}
	return access(path)
}

// getenv returns the value of the first name= entry of env, as getenv(3)
// in the command will.
func getenv(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// startError turns the error of execve, after LookPath found path, into an
// *Error. A file that was found cannot be "not found": ENOENT then means
// that its interpreter or dynamic loader is missing, which is 126.
func startError(name string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, syscall.ENOENT) {
		err = fmt.Errorf("%w (is its interpreter or dynamic loader missing?)", err)
	}
	return &Error{Name: name, Status: StatusCannotExecute, Err: err}
}
