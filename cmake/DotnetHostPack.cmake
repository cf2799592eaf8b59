# Finds the .NET host pack (nethost.h, hostfxr.h, libnethost.a) of the SDK on PATH:
#   <dotnet root>/packs/Microsoft.NETCore.App.Host.<rid>/<version>/runtimes/<rid>/native
# The dotnet root and RID come from `dotnet --info`; nothing is hard-coded. Pass
# -DDOTNET_HOST_PACK_DIR=<that native folder> to use another one.
# Defines the imported target dotnet::nethost.

if(NOT DOTNET_HOST_PACK_DIR)
  find_program(DOTNET_EXECUTABLE dotnet REQUIRED)
  execute_process(COMMAND "${DOTNET_EXECUTABLE}" --info OUTPUT_VARIABLE _dw_info RESULT_VARIABLE _dw_rc)
  if(NOT _dw_rc EQUAL 0)
    message(FATAL_ERROR "`dotnet --info` failed: is the .NET SDK installed?")
  endif()
  string(REGEX MATCH "Base Path:[ \t]*([^\r\n]+)" _dw_unused "${_dw_info}")
  set(_dw_base "${CMAKE_MATCH_1}")
  string(REGEX MATCH "RID:[ \t]*([^\r\n]+)" _dw_unused "${_dw_info}")
  set(_dw_rid "${CMAKE_MATCH_1}")
  string(STRIP "${_dw_base}" _dw_base)
  string(STRIP "${_dw_rid}" _dw_rid)
  if(NOT _dw_base OR NOT _dw_rid)
    message(FATAL_ERROR "cannot read the SDK base path and RID from `dotnet --info`")
  endif()
  # Base Path is <dotnet root>/sdk/<version>/
  get_filename_component(_dw_root "${_dw_base}/../.." ABSOLUTE)
  file(GLOB _dw_versions LIST_DIRECTORIES true "${_dw_root}/packs/Microsoft.NETCore.App.Host.${_dw_rid}/*")
  if(NOT _dw_versions)
    message(FATAL_ERROR "no host pack at ${_dw_root}/packs/Microsoft.NETCore.App.Host.${_dw_rid}")
  endif()
  list(SORT _dw_versions COMPARE NATURAL ORDER DESCENDING)
  list(GET _dw_versions 0 _dw_pack)
  set(DOTNET_HOST_PACK_DIR "${_dw_pack}/runtimes/${_dw_rid}/native" CACHE PATH "The .NET host pack's native folder")
endif()

if(NOT EXISTS "${DOTNET_HOST_PACK_DIR}/libnethost.a" OR NOT EXISTS "${DOTNET_HOST_PACK_DIR}/hostfxr.h")
  message(FATAL_ERROR "DOTNET_HOST_PACK_DIR=${DOTNET_HOST_PACK_DIR} has no libnethost.a and hostfxr.h")
endif()
message(STATUS "dotnet host pack: ${DOTNET_HOST_PACK_DIR}")

add_library(dotnet::nethost STATIC IMPORTED)
set_target_properties(dotnet::nethost PROPERTIES
  IMPORTED_LOCATION "${DOTNET_HOST_PACK_DIR}/libnethost.a"
  INTERFACE_INCLUDE_DIRECTORIES "${DOTNET_HOST_PACK_DIR}"
  INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
