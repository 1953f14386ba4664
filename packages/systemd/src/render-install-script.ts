import { generatedHeader, type EngramDeployModel } from '@engram/config-schema';
import { assertBareMetal, layoutFor, packageName } from './bare-metal';
import { shellWord } from './quoting';

/** Files install.sh takes from its own directory, by role. */
export function installSources(model: EngramDeployModel) {
  const { name } = layoutFor(model);
  return {
    unit: `${name}.service`,
    sysusers: `${name}.sysusers.conf`,
    tmpfiles: `${name}.tmpfiles.conf`,
    config: `config/${model.runtime.configFile}`,
    environment: `${name}.env`,
  };
}

/**
 * deployments/systemd/install.sh: POSIX sh, idempotent. Puts the binary, the unit, the sysusers.d
 * and tmpfiles.d entries and the config in place, creates the account and directories, reloads
 * systemd. `--uninstall` removes what it installed and keeps the data, the account and the
 * operator's environment file; `--dry-run` says what it would do and changes nothing.
 */
export function renderInstallScript(model: EngramDeployModel): string {
  assertBareMetal(model);
  const layout = layoutFor(model);
  const sources = installSources(model);
  const q = shellWord;
  return `#!/bin/sh
${generatedHeader(packageName, '#', model).trimEnd()}
#
# Installs Engram as the systemd service ${layout.unitFile}.
#
#   sh install.sh --binary target/release/engram   install or update (as root)
#   sh install.sh                                  update everything but the binary
#   sh install.sh --dry-run                        say what would change, change nothing
#   sh install.sh --uninstall                      remove the service; keep data, account, overrides
#   --root DIR                                     act on the tree below DIR (an image being built)
#
# Then: systemctl enable --now ${layout.unitFile}
set -eu
umask 022

name=${q(layout.name)}
unit=${q(layout.unitFile)}
binary_dest=${q(layout.binaryPath)}
unit_dest=${q(layout.unitPath)}
sysusers_dest=${q(layout.sysusersFile)}
tmpfiles_dest=${q(layout.tmpfilesFile)}
config_dest=${q(layout.configPath)}
environment_dest=${q(layout.environmentFile)}
data_dir=${q(layout.dataDir)}
logs_dir=${q(layout.logsDir)}

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=''
binary=''
dry_run=0
uninstall=0

say() { printf '%s\\n' "$*"; }
die() {
  printf 'install.sh: %s\\n' "$*" >&2
  exit 1
}
usage() { say "usage: install.sh [--binary PATH] [--root DIR] [--dry-run] [--uninstall]"; }

while [ $# -gt 0 ]; do
  case $1 in
    --binary)
      [ $# -ge 2 ] || die '--binary needs a path'
      binary=$2
      shift 2
      ;;
    --binary=*)
      binary=\${1#--binary=}
      shift
      ;;
    --root)
      [ $# -ge 2 ] || die '--root needs a directory'
      root=$2
      shift 2
      ;;
    --root=*)
      root=\${1#--root=}
      shift
      ;;
    --dry-run)
      dry_run=1
      shift
      ;;
    --uninstall)
      uninstall=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
done

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(CDPATH='' cd -- "$root" && pwd)
  [ "$root" = / ] && root=''
fi
# Only the running system gets systemctl calls; a --root tree is configured offline.
live=0
if [ -z "$root" ] && [ -d /run/systemd/system ]; then live=1; fi
if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then die 'run as root (or try --dry-run)'; fi

# Runs a command, or only says it under --dry-run.
run() {
  if [ "$dry_run" = 1 ]; then say "would run: $*"; else "$@"; fi
}

# Numeric GID of a group in the target tree, empty when it does not exist yet.
gid_of() {
  [ -f "$root/etc/group" ] || return 0
  awk -F: -v group="$1" '$1 == group { print $3; exit }' "$root/etc/group"
}

# Puts FILE at DEST (relative to the target root) with MODE, owned by root and GID, unless it is
# already there, byte for byte, with that mode and owner.
place() {
  src=$1 dest=$root$2 mode=$3 gid=$4
  [ -f "$src" ] || die "$src is missing: run install.sh from the directory the generator wrote"
  if [ -f "$dest" ] && cmp -s -- "$src" "$dest" &&
    [ "$(stat -c '%a %u %g' -- "$dest")" = "\${mode#0} 0 $gid" ]; then
    say "unchanged $2"
    return 0
  fi
  if [ -e "$dest" ]; then verb=updated; else verb=installed; fi
  changed=1
  if [ "$dry_run" = 1 ]; then
    say "would have $verb $2"
    return 0
  fi
  mkdir -p -- "$(dirname -- "$dest")"
  partial="$dest.install-$$"
  cp -- "$src" "$partial"
  chown "0:$gid" "$partial"
  chmod "$mode" "$partial"
  mv -f -- "$partial" "$dest"
  say "$verb $2"
}

# Removes DEST (relative to the target root) if it exists.
remove() {
  if [ -e "$root$1" ] || [ -L "$root$1" ]; then
    changed=1
    if [ "$dry_run" = 1 ]; then say "would remove $1"; else rm -f -- "$root$1" && say "removed $1"; fi
  fi
}

changed=0

if [ "$uninstall" = 1 ]; then
  if [ "$live" = 1 ] && [ -e "$unit_dest" ]; then run systemctl disable --now "$unit"; fi
  remove "$unit_dest"
  remove "$binary_dest"
  remove "$config_dest"
  remove "$tmpfiles_dest"
  remove "$sysusers_dest"
  if [ "$live" = 1 ] && [ "$changed" = 1 ]; then run systemctl daemon-reload; fi
  say "kept $data_dir, $logs_dir, $environment_dest and the $name account"
  exit 0
fi

if [ -n "$binary" ]; then
  [ -f "$binary" ] || die "--binary $binary: no such file (cargo build --release --bin engram writes target/release/engram)"
  place "$binary" "$binary_dest" 0755 0
elif [ -f "$root$binary_dest" ]; then
  say "unchanged $binary_dest (no --binary given)"
else
  die "no engram binary at $binary_dest: pass --binary PATH (cargo build --release --bin engram writes target/release/engram)"
fi

place "$here"/${q(sources.sysusers)} "$sysusers_dest" 0644 0
if [ -n "$root" ]; then
  run systemd-sysusers --root="$root" "$root$sysusers_dest"
else
  run systemd-sysusers "$sysusers_dest"
fi

place "$here"/${q(sources.tmpfiles)} "$tmpfiles_dest" 0644 0
if [ -n "$root" ]; then
  run systemd-tmpfiles --create --root="$root" "$root$tmpfiles_dest"
else
  run systemd-tmpfiles --create "$tmpfiles_dest"
fi

gid=$(gid_of "$name")
if [ -z "$gid" ]; then
  [ "$dry_run" = 1 ] || die "systemd-sysusers did not create the group $name"
  gid='(new)'
fi
place "$here"/${q(sources.config)} "$config_dest" 0640 "$gid"
if [ -e "$root$environment_dest" ]; then
  say "kept $environment_dest"
else
  place "$here"/${q(sources.environment)} "$environment_dest" 0600 0
fi

files_changed=$changed
changed=0
place "$here"/${q(sources.unit)} "$unit_dest" 0644 0
if [ "$live" = 1 ] && [ "$changed" = 1 ]; then run systemctl daemon-reload; fi
if [ "$live" = 1 ] && [ "$changed$files_changed" != 00 ] && systemctl is-active --quiet "$unit"; then
  say "$unit is running: systemctl restart $unit applies the changes"
fi
say "next: systemctl enable --now $unit"
`;
}
