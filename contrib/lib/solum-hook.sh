# solum-hook.sh: shared code of the merge hooks in contrib/gerrit and
# shellcheck shell=bash disable=SC2153
# contrib/gitlab, sourced by path relative to the hook.
#
# A hook hands each branch update to solum_hook_event PROJECT REF NEWREV
# SOURCE. The event is checked (names and revision of strict formats, only
# refs/heads/*, the project in the config), recorded once per (project,
# branch, newrev) under a lock, and the commit is pushed to solum over SSH
# with a deploy key in a detached background child, so that the hook
# returns at once. Every event gets one line in the log: what was pushed,
# or why not. Nothing here reaches a shell: the config is read with
# `git config -f`, never sourced, and every value that goes into
# GIT_SSH_COMMAND is checked against a narrow character set first.

SOLUM_HOOK_ZERO=0000000000000000000000000000000000000000
# entries kept in the record of pushed revisions
SOLUM_HOOK_KEEP=1000

solum_hook_config=
solum_hook_state=
solum_hook_log=

# solum_hook_clean STRING: STRING fit for one log line (printable, short).
solum_hook_clean() {
	printf '%s' "$1" | tr -d '\r' | head -c 200 | tr -c '[:print:]' '?'
}

# solum_hook_say MESSAGE: one line in the log (stderr when it can't be
# written: Gerrit and GitLab log a hook's stderr).
solum_hook_say() {
	local line
	line="$(date -u +%Y-%m-%dT%H:%M:%SZ) ${solum_hook_name:-hook}: $1"
	if test -n "$solum_hook_log" &&
	   printf '%s\n' "$line" 2>/dev/null >>"$solum_hook_log"; then
		return 0
	fi
	printf '%s\n' "$line" >&2
}

# solum_hook_get KEY: the value of KEY in the config, empty when unset.
solum_hook_get() {
	git config -f "$solum_hook_config" --get "$1" 2>/dev/null
}

# solum_hook_safe_path VALUE: an absolute path of safe characters only
# (it goes into GIT_SSH_COMMAND, which git hands to a shell).
solum_hook_safe_path() {
	case "$1" in
	/*) ;;
	*) return 1 ;;
	esac
	printf '%s' "$1" | grep -qx '[A-Za-z0-9._/+-]*' || return 1
	case "$1" in
	*..*) return 1 ;;
	esac
}

# solum_hook_safe_name VALUE [SLASH]: a project or repository name: letters,
# digits, '.', '_', '-' (and '/' between parts with SLASH), no '..', no
# leading '-' or '.'.
solum_hook_safe_name() {
	local re='[A-Za-z0-9][A-Za-z0-9._-]*'
	test -n "$2" && re="$re\(/[A-Za-z0-9][A-Za-z0-9._-]*\)*"
	test ${#1} -le 200 || return 1
	printf '%s' "$1" | grep -qx "$re" || return 1
	case "$1" in
	*..*) return 1 ;;
	esac
}

# solum_hook_setup NAME: find the config, the state directory and the log.
# NAME is the hook's name, for the log.
solum_hook_setup() {
	local default_state=/var/lib/solum-hooks
	solum_hook_name=$1
	if test -n "$SOLUM_HOOK_CONFIG"; then
		solum_hook_config=$SOLUM_HOOK_CONFIG
	elif test -n "$GERRIT_SITE"; then
		solum_hook_config=$GERRIT_SITE/etc/solum.config
	else
		solum_hook_config=/etc/solum/hooks.config
	fi
	test -n "$GERRIT_SITE" && default_state=$GERRIT_SITE/data/solum
	solum_hook_state=${SOLUM_HOOK_STATE_DIR:-$(solum_hook_get solum.statedir)}
	solum_hook_state=${solum_hook_state:-$default_state}
	solum_hook_log=${SOLUM_HOOK_LOG:-$(solum_hook_get solum.logfile)}
	solum_hook_log=${solum_hook_log:-$solum_hook_state/hooks.log}
	mkdir -p "$solum_hook_state" 2>/dev/null
	mkdir -p "$(dirname "$solum_hook_log")" 2>/dev/null
	if ! test -r "$solum_hook_config"; then
		solum_hook_say "config '$(solum_hook_clean "$solum_hook_config")' not readable: nothing pushed"
		return 1
	fi
	if ! command -v flock >/dev/null 2>&1; then
		solum_hook_say "flock not found (util-linux): nothing pushed"
		return 1
	fi
	return 0
}

# solum_hook_record PROJECT BRANCH NEWREV: record the event; fails when it
# was recorded already (the other hook of the same merge).
solum_hook_record() {
	local entry="$1 $2 $3" file=$solum_hook_state/pushed
	{
		flock -w 60 9 || return 2
		touch "$file" || return 2
		grep -qxF -- "$entry" "$file" && return 1
		printf '%s\n' "$entry" >>"$file" || return 2
		if test "$(wc -l <"$file")" -gt $((SOLUM_HOOK_KEEP * 2)); then
			tail -n "$SOLUM_HOOK_KEEP" "$file" >"$file.new" &&
			mv -f "$file.new" "$file"
		fi
		return 0
	} 9>>"$solum_hook_state/lock"
}

# solum_hook_forget PROJECT BRANCH NEWREV: drop the record of a failed push
# so that a later event for the same revision tries again.
solum_hook_forget() {
	local entry="$1 $2 $3" file=$solum_hook_state/pushed
	{
		flock -w 60 9 || return 1
		grep -vxF -- "$entry" "$file" >"$file.new"
		mv -f "$file.new" "$file"
	} 9>>"$solum_hook_state/lock"
}

# solum_hook_push PROJECT BRANCH NEWREV URL SSHCMD TIMEOUT SOURCE: push
# NEWREV to URL as refs/heads/BRANCH and log the outcome (runs in the
# background child).
solum_hook_push() {
	local project=$1 branch=$2 rev=$3 url=$4 sshcmd=$5 limit=$6 src=$7
	local out rc last
	out=$(mktemp "$solum_hook_state/push.XXXXXX") || {
		solum_hook_say "$project $branch ${rev:0:12}: no temporary file in the state directory: nothing pushed"
		solum_hook_forget "$project" "$branch" "$rev"
		return 1
	}
	GIT_SSH_COMMAND=$sshcmd GIT_TERMINAL_PROMPT=0 \
		timeout "$limit" git push --quiet "$url" \
		"$rev:refs/heads/$branch" </dev/null >"$out" 2>&1
	rc=$?
	if test $rc = 0; then
		solum_hook_say "pushed $project $branch ${rev:0:12} to $url ($src)"
	else
		# the first line that says why, else the last one
		last=$(grep -m 1 -E '^(ssh|error): | ! \[|[Pp]ermission denied|[Hh]ost key' "$out") ||
		last=$(grep -m 1 '^fatal: ' "$out") ||
		last=$(grep -v '^remote: *$' "$out" | tail -n 1)
		solum_hook_say "push of $project $branch ${rev:0:12} to $url failed (exit $rc): $(solum_hook_clean "$last")"
		solum_hook_forget "$project" "$branch" "$rev"
	fi
	rm -f "$out"
	return $rc
}

# solum_hook_event PROJECT REF NEWREV SOURCE: deploy NEWREV of PROJECT's
# branch REF (refs/heads/NAME) through solum, once; SOURCE names the event
# in the log. Returns 0 unless the event could not be handled at all.
solum_hook_event() {
	local project=$1 ref=$2 rev=$3 src=$4
	local branch repo want remote identity knownhosts limit sshcmd url gitdir
	case "$ref" in
	refs/heads/*) branch=${ref#refs/heads/} ;;
	*)
		solum_hook_say "$(solum_hook_clean "$project") $(solum_hook_clean "$ref"): not a branch: ignored ($src)"
		return 0 ;;
	esac
	if ! solum_hook_safe_name "$project" slash; then
		solum_hook_say "project '$(solum_hook_clean "$project")' has a bad name: refused ($src)"
		return 1
	fi
	if test -z "$branch" || case "$branch" in -*) true ;; *) false ;; esac ||
	   ! git check-ref-format "refs/heads/$branch" ||
	   ! printf '%s' "$branch" | grep -qx '[A-Za-z0-9._/+-]*'; then
		solum_hook_say "$project: branch '$(solum_hook_clean "$branch")' is not a valid branch name: refused ($src)"
		return 1
	fi
	if test "$rev" = "$SOLUM_HOOK_ZERO"; then
		solum_hook_say "$project $branch: deleted: ignored ($src)"
		return 0
	fi
	if ! printf '%s' "$rev" | grep -qx '[0-9a-f]\{40\}'; then
		solum_hook_say "$project $branch: revision '$(solum_hook_clean "$rev")' is not 40 hex digits: refused ($src)"
		return 1
	fi
	repo=$(solum_hook_get "project.$project.repo")
	if test -z "$repo"; then
		solum_hook_say "$project $branch ${rev:0:12}: project not in $(solum_hook_clean "$solum_hook_config"): ignored ($src)"
		return 0
	fi
	if ! solum_hook_safe_name "$repo"; then
		solum_hook_say "$project: repo '$(solum_hook_clean "$repo")' in the config has a bad name: refused ($src)"
		return 1
	fi
	want=$(solum_hook_get "project.$project.branch")
	want=${want#refs/heads/}
	if test -n "$want" && test "$want" != "$branch"; then
		solum_hook_say "$project $branch ${rev:0:12}: not branch $(solum_hook_clean "$want"): ignored ($src)"
		return 0
	fi
	remote=$(solum_hook_get solum.remote)
	remote=${remote%/}
	identity=$(solum_hook_get solum.identity)
	knownhosts=$(solum_hook_get solum.knownhosts)
	limit=$(solum_hook_get solum.timeout)
	limit=${limit:-3600}
	if ! printf '%s' "$remote" | grep -qx 'ssh://[A-Za-z0-9._-]*@[A-Za-z0-9.:_-]*\(\[[0-9A-Fa-f:.]*\]\)\?\(:[0-9]*\)\?'; then
		solum_hook_say "solum.remote '$(solum_hook_clean "$remote")' is not ssh://USER@HOST[:PORT]: nothing pushed ($src)"
		return 1
	fi
	if ! solum_hook_safe_path "$identity" || ! test -r "$identity"; then
		solum_hook_say "solum.identity is not a readable file under a plain absolute path: nothing pushed ($src)"
		return 1
	fi
	if test -n "$knownhosts" && ! solum_hook_safe_path "$knownhosts"; then
		solum_hook_say "solum.knownhosts is not a plain absolute path: nothing pushed ($src)"
		return 1
	fi
	case "$limit" in
	''|*[!0-9]*) limit=3600 ;;
	esac
	gitdir=$(git rev-parse --absolute-git-dir 2>/dev/null) || {
		solum_hook_say "$project: not run in a git repository: nothing pushed ($src)"
		return 1
	}
	if ! git --git-dir="$gitdir" cat-file -e "$rev^{commit}" 2>/dev/null; then
		solum_hook_say "$project $branch ${rev:0:12}: no such commit in $gitdir: refused ($src)"
		return 1
	fi
	solum_hook_record "$project" "$branch" "$rev"
	case $? in
	0) ;;
	1)
		solum_hook_say "$project $branch ${rev:0:12}: pushed already: ignored ($src)"
		return 0 ;;
	*)
		solum_hook_say "$project $branch ${rev:0:12}: cannot lock or write $solum_hook_state: nothing pushed ($src)"
		return 1 ;;
	esac
	sshcmd="ssh -i $identity -o IdentitiesOnly=yes -o BatchMode=yes"
	if test -n "$knownhosts"; then
		sshcmd="$sshcmd -o UserKnownHostsFile=$knownhosts -o StrictHostKeyChecking=yes"
	fi
	url=$remote/$repo.git
	solum_hook_say "pushing $project $branch ${rev:0:12} to $url ($src)"
	# in the background, deaf to SIGHUP, no stdin, errors to the log only
	(
		trap '' HUP
		GIT_DIR=$gitdir
		export GIT_DIR
		solum_hook_push "$project" "$branch" "$rev" "$url" "$sshcmd" \
			"$limit" "$src"
	) </dev/null >/dev/null 2>>"${solum_hook_log:-/dev/null}" &
	return 0
}

# solum_hook_flag NAME ARGS...: the value of --NAME in ARGS (`--NAME VALUE`
# or `--NAME=VALUE`); unknown flags are skipped, each with its value.
solum_hook_flag() {
	local name=$1 arg
	shift
	while test $# -gt 0; do
		arg=$1
		shift
		case "$arg" in
		"--$name="*)
			printf '%s' "${arg#--"$name"=}"
			return 0 ;;
		"--$name")
			printf '%s' "$1"
			return 0 ;;
		--*=*) ;;
		--*) test $# -gt 0 && shift ;;
		esac
	done
	return 1
}
