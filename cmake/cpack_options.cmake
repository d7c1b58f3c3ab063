# cpack_options.cmake — read by cpack before it builds a package
# (CPACK_PROJECT_CONFIG_FILE, set in CMakeLists.txt).
#
# The .deb is made for prefix /usr: dpkg's conffile is /etc/ndb/ndb.jsonc
# and the maintainer scripts enable /usr/lib/systemd/system/ndb.service.
# A build for another prefix (the default is /usr/local) installs the unit
# and the config elsewhere, so its package would install a service that
# systemd never finds, and its scripts would fail to enable it silently.
# Refuse before packaging anything, and say how to configure instead.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR
    "ndb's .deb is built for prefix /usr, and this build is configured for "
    "${CPACK_PACKAGING_INSTALL_PREFIX}: configure a build with "
    "'cmake -S . -B build-package -DCMAKE_INSTALL_PREFIX=/usr' and run cpack there")
endif()
