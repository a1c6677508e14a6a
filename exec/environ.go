package exec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// settingsPrefix starts the names of secretenv's own settings, which the
// command never sees.
const settingsPrefix = "SECRETENV_"

// Environ returns the command's environment: parent in the same order,
// the value of every variable named in set replaced in place (names and
// values are split on the first '='), every variable named in unset left
// out, and every SECRETENV_* variable removed. It is never nil: an empty
// environment is an empty slice.
//
// A name that occurs more than once in parent keeps every occurrence, in
// place, each with the value from set. A name in set that parent does not
// hold is appended, in name order, after the rest. unset wins over set,
// and the SECRETENV_ prefix wins over both. An entry of parent without '='
// is kept as it is (its name is the whole entry).
//
// A value may hold '=', newlines, any UTF-8 or nothing at all. What an
// execve cannot carry is an error, an *EnvError that names every offending
// variable and never quotes a value: a NUL byte; a NAME=value string
// that with its terminating NUL is over MAX_ARG_STRLEN (32 pages: with
// 4 KiB pages 131071 bytes fit, 131072 do not); or an environment over the
// kernel's total limit for arguments and environment together (see
// fs/exec.c). Environ checks the environment on its own, leaving room for
// one argument pointer; Exec and Supervise check the path, the arguments
// and the environment together before they start the command. When the
// total is over, the variables named are the fewest of the largest values
// from set whose removal would make the rest fit. The limits are those of
// Linux; elsewhere only NUL bytes are checked.
func Environ(parent []string, set map[string]string, unset map[string]bool) ([]string, error) {
	return environ(parent, set, unset, currentLimits())
}

func environ(parent []string, set map[string]string, unset map[string]bool, lim limits) ([]string, error) {
	var problems problemList
	for _, name := range sortedKeys(set) {
		if reason := badName(name); reason != "" {
			problems.add(name, reason)
		}
	}

	env := make([]string, 0, len(parent)+len(set))
	fromSet := make(map[int]bool, len(set)) // indexes in env of values from set
	seen := make(map[string]bool, len(set))
	keep := func(name string) bool {
		return !strings.HasPrefix(name, settingsPrefix) && !unset[name]
	}
	for _, kv := range parent {
		name, _, _ := strings.Cut(kv, "=")
		if !keep(name) {
			continue
		}
		if v, ok := set[name]; ok {
			seen[name] = true
			fromSet[len(env)] = true
			env = append(env, name+"="+v)
			continue
		}
		env = append(env, kv)
	}
	for _, name := range sortedKeys(set) {
		if !seen[name] && keep(name) && badName(name) == "" {
			fromSet[len(env)] = true
			env = append(env, name+"="+set[name])
		}
	}

	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.IndexByte(kv, 0) >= 0 {
			problems.add(name, "the value contains a NUL byte, which an environment cannot hold")
		}
		if lim.strlen > 0 && len(kv)+1 > lim.strlen {
			problems.add(name, fmt.Sprintf("NAME=value is %d bytes, over the kernel's limit of %d bytes for one variable",
				len(kv), lim.strlen-1))
		}
	}
	if lim.total > 0 {
		over := lim.over(nil, env)
		if over > 0 {
			for _, i := range largest(env, fromSet, over, lim.ptr) {
				name, _, _ := strings.Cut(env[i], "=")
				problems.add(name, fmt.Sprintf("the environment would be %d bytes, over the kernel's limit of %d bytes for arguments and environment together; this variable is %d bytes",
					lim.size(nil, env), lim.total, len(env[i])+1+lim.ptr))
			}
		}
	}
	if len(problems) > 0 {
		return nil, &EnvError{Problems: problems}
	}
	return env, nil
}

// largest returns the indexes of the largest entries of env, those from set
// first, whose removal frees at least over bytes (each entry costs its
// bytes, its NUL and its pointer), in env order.
func largest(env []string, fromSet map[int]bool, over, ptr int) []int {
	idx := make([]int, len(env))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if fromSet[a] != fromSet[b] {
			if fromSet[a] {
				return -1
			}
			return 1
		}
		return cmp.Compare(len(env[b]), len(env[a]))
	})
	var picked []int
	for _, i := range idx {
		if over <= 0 {
			break
		}
		picked = append(picked, i)
		over -= len(env[i]) + 1 + ptr
	}
	slices.Sort(picked)
	return picked
}

// badName says why name cannot be a variable's name, or "".
func badName(name string) string {
	switch {
	case name == "":
		return "the name is empty"
	case strings.ContainsRune(name, '='):
		return "the name contains '='"
	case strings.IndexByte(name, 0) >= 0:
		return "the name contains a NUL byte"
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// EnvError lists every variable that cannot be passed to the command.
type EnvError struct {
	Problems []VarProblem
}

// VarProblem is one variable that cannot be passed to the command, and why.
// Reason never holds the value or any part of it.
type VarProblem struct {
	Name   string
	Reason string
}

// Error returns one "NAME: reason" line per problem.
func (e *EnvError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Name + ": " + p.Reason
	}
	return strings.Join(lines, "\n")
}

type problemList []VarProblem

// add records a problem, once per name and reason.
func (l *problemList) add(name, reason string) {
	for _, p := range *l {
		if p.Name == name && p.Reason == reason {
			return
		}
	}
	*l = append(*l, VarProblem{Name: name, Reason: reason})
}

// limits are the kernel's limits on what execve can carry. A zero field
// means the limit is not known and not checked.
type limits struct {
	strlen int // MAX_ARG_STRLEN: bytes of one string, its NUL included
	total  int // bytes of every string, NULs and pointers included
	ptr    int // bytes of one pointer in argv or envp
}

// size returns the bytes that execve(path, args, env) takes of the total
// limit, as the kernel counts them in fs/exec.c: every string with its
// NUL (the path first, then env, then args), plus one pointer for each of
// args (at least one, for the "" the kernel adds to an empty argv) and
// env. Environ calls it with no path and no args.
func (lim limits) size(args, env []string, path ...string) int {
	n := (max(len(args), 1) + len(env)) * lim.ptr
	for _, s := range path {
		n += len(s) + 1
	}
	for _, s := range env {
		n += len(s) + 1
	}
	for _, s := range args {
		n += len(s) + 1
	}
	return n
}

// over returns by how many bytes execve(path, args, env) exceeds the total
// limit, or 0. The kernel refuses outright when the pointers alone reach
// the limit, and otherwise needs the strings to fit in what is left.
func (lim limits) over(args, env []string, path ...string) int {
	if lim.total <= 0 {
		return 0
	}
	return max(lim.size(args, env, path...)-lim.total, 0)
}
