"""The message catalogue of ingestion: a reason code's message and hint, in the run's language.

Reason codes are stable (scripts and the archive key on them); the wording may
improve. A catalogue key is the code, or the code and a wording after a dot
("corrupt_file.json"): the issue keeps the code. Templates take named fields
such as {file}, {column}, {value}, {count} (numbers come formatted); English
ones add {s}, "s" unless the count is 1.

The readers deep inside a load do not carry the language: `localised` words a
message in the language of the load in progress (`messages_in`, set by the
loader and `open_table`), as gettext does with its current locale; English
outside any load.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# code -> lang -> (message template, hint template)
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "missing_required": {
        "zh-CN": ("必填字段“{column}”为空，该行未计入", "在原表补全“{column}”后重新导入"),
        "en": ("required value {column!r} is empty; the row is rejected", "fill in {column!r} in the source file and load it again"),
    },
    "bad_date": {
        "zh-CN": ("“{column}”的值 {value!r} 不是可识别的日期（格式或日期本身无效）", "改为输入配置中声明的格式之一：{formats}"),
        "en": ("{column!r} value {value!r} is not a valid date in any declared format", "write it in one of the profile's formats: {formats}"),
    },
    "bad_optional_date": {
        "zh-CN": ("“{column}”的值 {value!r} 不是可识别的日期，按空值处理", "改为输入配置中声明的格式之一：{formats}"),
        "en": ("{column!r} value {value!r} is not a valid date; treated as missing", "write it in one of the profile's formats: {formats}"),
    },
    "bad_coordinate": {
        "zh-CN": ("“{column}”的值 {value!r} 不是 {low} 到 {high} 之间的度数，按空值处理", "改为十进制度数（如 40.7128），或留空"),
        "en": ("{column!r} value {value!r} is not a number of degrees between {low} and {high}; treated as missing", "write decimal degrees (e.g. 40.7128) or leave the cell empty"),
    },
    "formula_error": {
        "zh-CN": ("“{column}”是公式错误值 {value}", "在 Excel 中修正公式或粘贴为数值后重新导出"),
        "en": ("{column!r} holds the formula error {value}", "fix the formula in Excel or paste values, then export again"),
    },
    "id_precision": {
        "zh-CN": ("工单编号 {value} 是超过 15 位的数字，Excel 可能已丢失末位", "导出时把工单编号列设为文本格式"),
        "en": ("ticket id {value} is a number longer than 15 digits; Excel may have lost its last digits", "export the id column as text"),
    },
    "unknown_answer": {
        "zh-CN": ("“{column}”的值 {value!r} 不在词表中（{count} 行），按未知处理", "把该值加入输入配置的词表，或在原表中更正"),
        "en": ("{column!r} value {value!r} is not in the profile's vocabulary ({count} row{s}); counted as unknown", "add the value to the profile's vocabulary or correct it in the file"),
    },
    "unknown_status": {
        "zh-CN": ("工单状态 {value!r} 不在词表中（{count} 行），原样保留", "在输入配置的 [status] 中加入该值"),
        "en": ("status {value!r} is not in the profile's vocabulary ({count} row{s}); kept as written", "add it to the profile's [status] table"),
    },
    "unknown_agency": {
        "zh-CN": ("承办单位 {value!r} 不在单位名录中（{count} 件工单），已保留", "在名录 roster.csv 中加入该单位，或在 aliases.csv 中把它映射到规范名称"),
        "en": ("agency {value!r} is not in the roster ({count} ticket{s}); kept", "add it to roster.csv, or map it to a canonical name in aliases.csv"),
    },
    "personal_data_redacted": {
        "zh-CN": ("“{column}”中 {count} 处个人信息已替换为占位符（{value}）", "原值未保存；如需联系来电人，请在原系统中查询"),
        "en": ("{count} piece{s} of personal data in {column!r} replaced by placeholders ({value})", "the values are not kept; look the caller up in the source system if needed"),
    },
    "invisible_characters": {
        "zh-CN": ("“{column}”中 {count} 个值含控制字符或文字方向控制符（{chars}），已删除，如 {value!r}", "在原系统中更正该名称"),
        "en": ("{count} value{s} in {column!r} held control or text-direction characters ({chars}); removed, e.g. {value!r}", "correct the name in the source system"),
    },
    "closed_before_created": {
        "zh-CN": ("办结时间早于来电时间", "核对该工单的时间记录"),
        "en": ("closed before it was created", "check the ticket's timestamps in the source system"),
    },
    "sentinel_date": {
        "zh-CN": ("“{column}”中有 {count} 个占位日期（如 1900-01-01 或序列号 0），按空值处理", ""),
        "en": ("{count} placeholder date{s} in {column!r} (such as 01/01/1900 or serial 0) treated as missing", ""),
    },
    "serial_not_a_date": {
        "zh-CN": ("“{column}”的值 {value} 是小于 1 的 Excel 日期序列号（显示为 1899 年或更早），不是日期，按空值处理", "在原系统中补录真实日期；序列号 0 或负数通常是公式或导出错误"),
        "en": ("{column!r} value {value} is an Excel serial below 1 (shown as 1899 or earlier), not a date; treated as missing", "enter the real date in the source system; a serial of 0 or below usually comes from a broken formula or export"),
    },
    "implausible_date": {
        "zh-CN": ("“{column}”的值 {value} 不在合理年份 {first}–{last} 之内，按空值处理", "核对原表；若日期确实无误，在 config/citistat.toml 的 [ingest] plausible_years（或输入配置的 plausible_years）中放宽年份范围"),
        "en": ("{column!r} value {value} is outside the plausible years {first}–{last}; treated as missing", "check the file; if the date is right, widen plausible_years in config/citistat.toml [ingest] (or in the profile)"),
    },
    "row_identity": {
        "zh-CN": ("文件没有工单编号：按输入配置（row_identity = \"row\"）每行算作一件工单，共 {count} 行，不做重复检查", "同一诉求若出现在多行，将被重复计数；如有编号列，请在输入配置的 [columns] 中映射 ticket_id"),
        "en": ("the file has no ticket id: as the profile declares (row_identity = \"row\"), each of its {count} row{s} is one ticket and no duplicate check is made", "a request that appears on several rows is counted each time; map ticket_id in the profile's [columns] if the file has an id"),
    },
    "structural_row": {
        "zh-CN": ("跳过非数据行（{value}）", ""),
        "en": ("skipped a non-data row ({value})", ""),
    },
    "blank_rows": {
        "zh-CN": ("跳过 {count} 个空行", ""),
        "en": ("skipped {count} blank row{s}", ""),
    },
    "out_of_period": {
        "zh-CN": ("{count} 行的来电时间不在 {period}，未计入本期", "这些工单属于其来电所在月份"),
        "en": ("{count} row{s} created outside {period}, excluded", "a ticket belongs to the month it was created in"),
    },
    "duplicate_identical": {
        "zh-CN": ("{count} 行与已导入的工单完全相同，已合并", ""),
        "en": ("{count} row{s} identical to tickets already loaded, collapsed", ""),
    },
    "duplicate_conflict": {
        "zh-CN": ("工单 {value} 有 {count} 个不同版本，保留 {kept}", "规则：办结时间最晚者优先，其次状态最靠后者，再次后导入者"),
        "en": ("ticket {value} has {count} different versions; kept {kept}", "rule: latest close time, then most advanced status, then the file loaded last"),
    },
    "profile_chosen": {
        "zh-CN": ("使用输入配置 {value}", ""),
        "en": ("read with input profile {value}", ""),
    },
    "no_profile.nearest": {
        "zh-CN": ("表头与任何输入配置都不匹配；最接近的是 {nearest}（匹配 {count} 列：{matched}；缺少必需字段：{missing}）", "用 --profile {nearest} 并在其 [columns] 中补上缺少字段的表头，或按 docs/profiles.md 新建配置；表头为：{value}"),
        "en": ("the header matches no input profile; the nearest is {nearest} ({count} column{s} matched: {matched}; required fields not found: {missing})", "add the missing headers to {nearest}'s [columns] (or write a profile, docs/profiles.md); the header is: {value}"),
    },
    "no_profile": {
        "zh-CN": ("表头与任何输入配置都不匹配", "用 --profile 指定配置，或按 docs/profiles.md 新建一个；表头为：{value}"),
        "en": ("the header matches no input profile", "pass --profile, or write a profile (docs/profiles.md); the header is: {value}"),
    },
    "ambiguous_profile": {
        "zh-CN": ("表头同时匹配多个输入配置：{value}", "用 --profile 指定其中一个"),
        "en": ("the header matches several input profiles equally: {value}", "choose one with --profile"),
    },
    "unknown_profile_name": {
        "zh-CN": ("没有名为 {value} 的输入配置", "可用的配置：{formats}"),
        "en": ("there is no input profile named {value}", "available profiles: {formats}"),
    },
    "missing_column": {
        "zh-CN": ("缺少必需的列“{column}”（可用名称：{value}）", "检查表头行，或用 --profile 指定其他配置"),
        "en": ("required column {column!r} is missing (accepted names: {value})", "check the header row, or choose another profile with --profile"),
    },
    "missing_column_near": {  # the hint of missing_column when a header looks close
        "zh-CN": ("", "是否为“{value}”？请把它加入输入配置 [columns] {column}"),
        "en": ("", "did you mean {value!r}? add it to [columns] {column} in the profile"),
    },
    "too_many_rejects": {
        "zh-CN": ("{count} 行被拒收，占 {value}，超过阈值 {kept}", "检查该文件是否用对了输入配置和日期格式"),
        "en": ("{count} row{s} rejected, {value} of the file, above the threshold of {kept}", "check the file's profile and date formats"),
    },
    "no_roster": {
        "zh-CN": ("未配置单位名录，单位类型为空", "在 config/agencies/roster.csv 中列出各单位及其类型"),
        "en": ("no agency roster is configured; unit types are empty", "list each agency and its type in config/agencies/roster.csv"),
    },

    # --- files: what the readers say (keys after the "." pick a wording; the reason code is before it)
    "file_not_found": {
        "zh-CN": ("{file} 不存在", "检查文件路径"),
        "en": ("{file} does not exist", "check the path"),
    },
    "internal_error": {
        "zh-CN": ("读取 {file} 时出现程序内部错误（{detail}），该文件未导入，其余文件不受影响", "请把该文件和这条消息报告给 citistat 的维护者"),
        "en": ("an internal error stopped the reading of {file} ({detail}); the file was not loaded, the others were",
               "please report this file and this message to citistat's maintainers"),
    },
    "unreadable_file": {
        "zh-CN": ("{file} 无法读取（{detail}）", "检查文件的访问权限"),
        "en": ("{file} cannot be read ({detail})", "check the file's permissions"),
    },
    "empty_file": {
        "zh-CN": ("{file} 是空文件", "文件没有内容，请重新导出数据"),
        "en": ("{file} is empty", "export the data again; the file has no content"),
    },
    "corrupt_file.truncated": {
        "zh-CN": ("{file} 是损坏或不完整的 Excel 文件（{detail}）", "文件副本不完整：请重新下载或导出，或在 Excel 中打开后另存一份"),
        "en": ("{file} is a damaged or truncated Excel file ({detail})",
               "the copy is incomplete: download or export it again, or open it in Excel and save it anew"),
    },
    "corrupt_file.office": {
        "zh-CN": ("{file} 是损坏的 Office 文件（{detail}）", "在 Excel 中打开后另存为 .xlsx"),
        "en": ("{file} is a damaged Office file ({detail})", "open it in Excel and save it again as .xlsx"),
    },
    "corrupt_file.xlsx": {
        "zh-CN": ("{file} 是损坏的 Excel 文件（{detail}）", "在 Excel 中打开后重新保存，或重新导出"),
        "en": ("{file} is a damaged Excel file ({detail})", "open it in Excel and save it again, or export it anew"),
    },
    "corrupt_file.sheet": {
        "zh-CN": ("{file} 的工作表 {sheet!r} 无法读取（{detail}）", "在 Excel 中打开后另存为 .xlsx"),
        "en": ("{file}: sheet {sheet!r} cannot be read ({detail})", "open the file in Excel and save it again as .xlsx"),
    },
    "corrupt_file.xls": {
        "zh-CN": ("{file} 是损坏的 .xls 文件（{detail}）", "在 Excel 中打开后另存为 .xlsx"),
        "en": ("{file} is a damaged .xls file ({detail})", "open it in Excel and save it as .xlsx"),
    },
    "corrupt_file.json": {
        "zh-CN": ("{file} 不是有效的 JSON（{detail}）", "重新导出；文件可能不完整"),
        "en": ("{file} is not valid JSON ({detail})", "export it again; the file may be truncated"),
    },
    "not_a_workbook.zip": {
        "zh-CN": ("{file} 是 zip 压缩文件，但不是 Excel 工作簿（缺少 xl/workbook.xml）", "从热线系统导出 .xlsx 或 .csv 格式的数据"),
        "en": ("{file} is a zip file but not an Excel workbook (it has no xl/workbook.xml)",
               "export the data from the hotline system as .xlsx or .csv"),
    },
    "not_a_workbook.office": {
        "zh-CN": ("{file} 是 Office 文档，但不是 Excel 工作簿", "从热线系统导出 .xlsx 或 .csv 格式的数据"),
        "en": ("{file} is an Office document but not an Excel workbook", "export the data from the hotline system as .xlsx or .csv"),
    },
    "encrypted_file": {
        "zh-CN": ("{file} 设有密码保护", "在 Excel 中用密码打开，取消保护（文件 ▸ 信息 ▸ 保护工作簿）后重新保存"),
        "en": ("{file} is protected by a password",
               "open it in Excel with the password, remove the protection (File ▸ Info ▸ Protect Workbook) and save it again"),
    },
    "encrypted_file.xls": {
        "zh-CN": ("{file} 是设有密码保护的旧版 .xls 文件", "在 Excel 中用密码打开，取消保护后另存为 .xlsx"),
        "en": ("{file} is a legacy .xls protected by a password",
               "open it in Excel with the password, remove the protection and save it as .xlsx"),
    },
    "unknown_encoding": {
        "zh-CN": ("{file}：无法识别文本编码（{detail}）", "在 Excel 中另存为“CSV UTF-8”，或保存为 GBK/GB18030 编码"),
        "en": ("{file}: cannot determine the text encoding ({detail})", "save the file as 'CSV UTF-8' from Excel, or as GBK/GB18030"),
    },
    "unknown_encoding.utf16": {
        "zh-CN": ("{file}：UTF-16 文本在字节偏移 {detail} 处损坏", "在 Excel 中重新另存为“CSV UTF-8”"),
        "en": ("{file}: damaged UTF-16 text at byte offset {detail}", "save the file again as 'CSV UTF-8' from Excel"),
    },
    "unknown_encoding.utf32": {
        "zh-CN": ("{file}：UTF-32 文本在字节偏移 {detail} 处损坏", "在 Excel 中重新另存为“CSV UTF-8”"),
        "en": ("{file}: damaged UTF-32 text at byte offset {detail}", "save the file again as 'CSV UTF-8' from Excel"),
    },
    "unknown_format": {
        "zh-CN": ("{file} 既不是电子表格，也不是文本表格（含有二进制数据）", "从热线系统导出 .xlsx 或 .csv 格式的数据"),
        "en": ("{file} is neither a spreadsheet nor a text table (it contains binary data)",
               "export the data from the hotline system as .xlsx or .csv"),
    },
    "unknown_format.json": {
        "zh-CN": ("{file} 是 JSON，但不是记录列表", "以 JSON 列表（Open311 GeoReport v2）或 CSV 格式导出工单"),
        "en": ("{file} is JSON but not a list of records", "export the service requests as a JSON list (Open311 GeoReport v2) or as CSV"),
    },
    "misnamed_file": {
        "zh-CN": ("{file} 实为 .{format} 工作簿，与扩展名不符；已按 .{format} 读取", "把文件改名为 .{format}"),
        "en": ("{file} is an .{format} workbook despite its name; read as .{format}", "rename it to .{format}"),
    },
    "misnamed_file.text": {
        "zh-CN": ("{file} 实为 {format} 文本文件，与扩展名不符；已按 {format} 读取", "把文件改名为 .{extension}"),
        "en": ("{file} is a {format} text file despite its name; read as {format}", "rename it to .{extension}"),
    },
    "html_table": {
        "zh-CN": ("{file} 是一个 HTML 网页，已按文本读取其中的表格", "在 Excel 中打开后另存为 .xlsx，以保留单元格类型"),
        "en": ("{file} is an HTML page; its table was read as text", "open it in Excel and save it as .xlsx to keep cell types"),
    },
    "html_table.misnamed": {
        "zh-CN": ("{file} 是另存为 {extension} 的 HTML 表格，已按 HTML 读取", "在 Excel 中打开后另存为 .xlsx，以保留单元格类型"),
        "en": ("{file} is an HTML table saved as {extension}; it is read as HTML", "open it in Excel and save it as .xlsx to keep cell types"),
    },
    "no_sheet": {
        "zh-CN": ("{file} 没有含数据的可见工作表", "取消隐藏存放工单的工作表，或重新导出数据"),
        "en": ("{file} has no visible sheet with data", "unhide the sheet holding the tickets, or export the data again"),
    },
    "no_sheet.table": {
        "zh-CN": ("{file} 没有含数据的表格", "重新导出数据"),
        "en": ("{file} has no table with data", "export the data again"),
    },
    "ambiguous_sheet": {
        "zh-CN": ("{file} 中有多个工作表都像工单明细（括号内为识别出的列数）：{listing}", "只保留一个存放工单的工作表（移走或删除其他的），或把工作簿拆成每个工作表一个文件"),
        "en": ("{file}: several sheets look like the ticket list (known columns in brackets): {listing}",
               "keep the tickets in one sheet (move or delete the others), or split the workbook into one file per sheet"),
    },
    "ambiguous_sheet.table": {
        "zh-CN": ("{file} 中有多个表格都像工单明细（括号内为识别出的列数）：{listing}", "只保留一个存放工单的表格，或拆分为多个文件"),
        "en": ("{file}: several tables look like the ticket list (known columns in brackets): {listing}",
               "keep the tickets in one table, or split the page into one file per table"),
    },
    "other_sheets_ignored": {
        "zh-CN": ("已读取工作表 {sheet!r}；忽略了 {listing}", ""),
        "en": ("read sheet {sheet!r}; ignored {listing}", ""),
    },
    "other_sheets_ignored.table": {
        "zh-CN": ("已读取表格 {sheet!r}；忽略了 {listing}", ""),
        "en": ("read table {sheet!r}; ignored {listing}", ""),
    },
    "hidden_sheet_ignored": {
        "zh-CN": ("工作表 {sheet!r} 已隐藏（{detail}），未读取", "如其中有工单，请在 Excel 中取消隐藏"),
        "en": ("sheet {sheet!r} is hidden ({detail}) and was ignored", "unhide it in Excel if it holds tickets"),
    },
    "header_found": {
        "zh-CN": ("表头位于第 {rows} 行", ""),
        "en": ("header found at row {rows}", ""),
    },
    "header_found.skipped": {
        "zh-CN": ("表头位于第 {rows} 行；其上方 {count} 行（标题、说明、空行）已跳过", ""),
        "en": ("header found at row {rows}; skipped {count} row{s} above it (titles, notes, blanks)", ""),
    },
    "header_not_recognised": {
        "zh-CN": ("前几行中没有可识别的列名；已把第 {rows} 行当作表头", "确认文件是工单导出表，且输入配置列出了它的列名"),
        "en": ("no known column name found in the first rows; row {rows} was taken as the header",
               "check that the file is a ticket export and that the input profile lists its column names"),
    },
    "too_many_rows": {
        "zh-CN": ("{file} 有 {count} 行，超过上限 {limit} 行", "按期拆分导出文件，或在 {settings} 中调高 max_rows"),
        "en": ("{file} has {count} rows, more than the limit of {limit}", "split the export by period, or raise max_rows in {settings}"),
    },
    "file_too_large": {
        "zh-CN": ("{file} 有 {size} MB，超过上限 {limit} MB（max_uncompressed_mb）", "按期拆分导出文件，或在 {settings} 中调高 max_uncompressed_mb"),
        "en": ("{file} is {size} MB, more than the limit of {limit} MB (max_uncompressed_mb)",
               "split the export by period, or raise max_uncompressed_mb in {settings}"),
    },
    "zip_bomb.entries": {
        "zh-CN": ("{file} 含有 {count} 个部件，超过上限 {limit}（max_zip_entries）", "如确为正常工作簿，可在 {settings} 中调高 max_zip_entries"),
        "en": ("{file} holds {count} parts, more than the limit of {limit} (max_zip_entries)",
               "if the workbook is genuine, raise max_zip_entries in {settings}"),
    },
    "zip_bomb.ratio": {
        "zh-CN": ("{file} 的部件 {part} 解压后膨胀 {ratio} 倍（上限 max_compression_ratio = {limit}）",
                  "这像是“压缩炸弹”；如确为正常工作簿，可在 {settings} 中调高 max_compression_ratio"),
        "en": ("{file}: part {part} inflates {ratio} times (limit max_compression_ratio = {limit})",
               "this looks like a zip bomb; if the workbook is genuine, raise max_compression_ratio in {settings}"),
    },
    "zip_bomb.size": {
        "zh-CN": ("{file} 解压后有 {size} MB，超过上限 {limit} MB（max_uncompressed_mb）", "把导出拆成较小的文件，或在 {settings} 中调高 max_uncompressed_mb"),
        "en": ("{file} inflates to {size} MB, more than the limit of {limit} MB (max_uncompressed_mb)",
               "split the export into smaller files, or raise max_uncompressed_mb in {settings}"),
    },
    "not_a_regular_file": {
        "zh-CN": ("{file} 不是普通文件（{kind}），未读取", "把导出的数据保存为文件后再导入"),
        "en": ("{file} is not a regular file (a {kind}); it was not read", "save the export as a file and load that"),
    },
    "zip_bomb.inflated": {
        "zh-CN": ("{file} 解压后超过上限 {limit} MB（max_uncompressed_mb），已在部件 {part} 处停止；该部件自称只有 {declared} MB",
                  "文件声明的大小与实际不符，像是“压缩炸弹”；如确为正常工作簿，请拆分导出，或在 {settings} 中调高 max_uncompressed_mb"),
        "en": ("{file} inflates past the limit of {limit} MB (max_uncompressed_mb); stopped in part {part}, which declares only {declared} MB",
               "the sizes the file declares are false, as in a zip bomb; if the workbook is genuine, split the export or raise max_uncompressed_mb in {settings}"),
    },
    "reader_limit.memory": {
        "zh-CN": ("读取 {file} 需要超过 {memory} MB 内存（max_reader_memory_mb），已停止",
                  "工作表可能声称极大的范围（超出 Excel 行列上限的单元格引用），或数据过多：请在 Excel 中打开后另存，或拆分导出；如确需读取，可在 {settings} 中调高 max_reader_memory_mb"),
        "en": ("reading {file} needs more than {memory} MB of memory (max_reader_memory_mb); stopped",
               "the sheet may claim a huge range (cell references beyond Excel's grid) or hold too much data: open it in Excel and save it again, or split the export; to read it anyway, raise max_reader_memory_mb in {settings}"),
    },
    "reader_limit.estimate": {
        "zh-CN": ("{file} 有 {size} MB，读取约需 {need} MB 内存，超过上限 {memory} MB（max_reader_memory_mb）",
                  "按期拆分导出文件，或在 {settings} 中调高 max_reader_memory_mb"),
        "en": ("{file} is {size} MB; reading it needs about {need} MB of memory, more than the limit of {memory} MB (max_reader_memory_mb)",
               "split the export by period, or raise max_reader_memory_mb in {settings}"),
    },
    "reader_limit.estimate_xlsx": {
        "zh-CN": ("{file} 解压后有 {size} MB，读取约需 {need} MB 内存，超过上限 {memory} MB（max_reader_memory_mb）",
                  "按期拆分导出文件，或在 {settings} 中调高 max_reader_memory_mb"),
        "en": ("{file} inflates to {size} MB; reading it needs about {need} MB of memory, more than the limit of {memory} MB (max_reader_memory_mb)",
               "split the export by period, or raise max_reader_memory_mb in {settings}"),
    },
    "reader_limit.time": {
        "zh-CN": ("读取 {file} 超过 {seconds} 秒（max_read_seconds），已停止", "在 Excel 中打开后另存，或拆分导出；如确需读取，可在 {settings} 中调高 max_read_seconds"),
        "en": ("reading {file} took more than {seconds} s (max_read_seconds); stopped",
               "open it in Excel and save it again, or split the export; to read it anyway, raise max_read_seconds in {settings}"),
    },
    "reader_crashed": {
        "zh-CN": ("读取 {file} 时读取程序异常退出（{detail}）", "文件可能已损坏：在 Excel 中打开后另存为 .xlsx，或重新导出"),
        "en": ("the reader stopped abnormally on {file} ({detail})", "the file may be damaged: open it in Excel and save it again as .xlsx, or export it anew"),
    },
    "too_many_columns": {
        "zh-CN": ("{file} 有 {count} 列，超过上限 {limit} 列（max_columns）", "检查分隔符是否正确、文件是否为工单导出表；如确需读取，可在 {settings} 中调高 max_columns"),
        "en": ("{file} has {count} columns, more than the limit of {limit} (max_columns)",
               "check the delimiter and that the file is a ticket export; to read it anyway, raise max_columns in {settings}"),
    },
    "too_many_cells": {
        "zh-CN": ("{file} 有 {rows} 行 × {columns} 列 = {count} 个单元格，超过上限 {limit}（max_cells）", "拆分导出文件，或在 {settings} 中调高 max_cells"),
        "en": ("{file} has {rows} rows × {columns} columns = {count} cells, more than the limit of {limit} (max_cells)",
               "split the export, or raise max_cells in {settings}"),
    },
    "too_many_cells.html": {
        "zh-CN": ("{file} 的表格展开合并单元格（colspan）后超过 {limit} 个单元格（max_cells）", "在 Excel 中打开后另存为 .xlsx，或拆分导出；也可在 {settings} 中调高 max_cells"),
        "en": ("{file}: its tables, with merged cells (colspan) spread out, exceed {limit} cells (max_cells)",
               "open it in Excel and save it as .xlsx, or split the export; or raise max_cells in {settings}"),
    },
    "cell_too_large": {
        "zh-CN": ("“{column}”的单元格有 {count} 个字符，超过上限 {limit}（max_cell_chars），已截断", "在原表中核对该单元格；如确需完整读取，可在 {settings} 中调高 max_cell_chars"),
        "en": ("{column!r} holds {count} characters, more than the limit of {limit} (max_cell_chars); cut there",
               "check the cell in the source file; to keep it whole, raise max_cell_chars in {settings}"),
    },
    "corrupt_file.json_depth": {
        "zh-CN": ("{file} 的 JSON 嵌套层级过深，无法读取", "工单导出不会如此嵌套：请重新导出，或确认文件来源"),
        "en": ("{file} nests JSON too deeply to be read", "no ticket export nests like that: export it again, or check where the file came from"),
    },
    "xml_entities": {
        "zh-CN": ("{file} 的部件 {part} 声明了 DTD 或 XML 实体，Excel 从不这样写", "该文件可能是针对 XML 解析器的恶意构造；不要打开，请发送方重新导出"),
        "en": ("{file}: part {part} declares a DTD or XML entities, which Excel never writes",
               "the file may be crafted to attack XML parsers; do not open it, ask the sender for a fresh export"),
    },
}

_FALLBACK = {"zh-CN": ("{code}", ""), "en": ("{code}", "")}
_LANGUAGE: ContextVar[str] = ContextVar("citistat_ingest_language", default="en")


def message(key: str, lang: str = "zh-CN", **fields: object) -> tuple[str, str]:
    """(message, hint) for a catalogue key in the given language; missing fields show as empty."""
    entry = CATALOGUE.get(key, _FALLBACK)
    template, hint = entry.get(lang) or entry["en"]
    values = _Blank(code=reason_code(key), s="" if fields.get("count") in (1, "1") else "s", **fields)
    return template.format_map(values), hint.format_map(values)


@contextmanager
def messages_in(lang: str) -> Iterator[None]:
    """Word every `localised` message in `lang` while the block runs."""
    token = _LANGUAGE.set(lang)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def current_language() -> str:
    return _LANGUAGE.get()


def localised(key: str, **fields: object) -> tuple[str, str]:
    """(message, hint) in the language of the load in progress."""
    return message(key, _LANGUAGE.get(), **fields)


def file_issue(key: str, severity: str, *, file: str, sheet: str | None = None, row: int | None = None,
               **fields: object):
    """A DataIssue about a file, worded from the catalogue in the load's language, keeping its key and values."""
    from ..quality import DataIssue

    text, hint = localised(key, file=file, sheet=sheet, **fields)
    return DataIssue(code=reason_code(key), severity=severity, message=text, hint=hint, file=file, sheet=sheet,
                     row=row, key=key, fields=as_text({"file": file, "sheet": sheet, **fields}))


def reason_code(key: str) -> str:
    """The stable reason code of a catalogue key ("corrupt_file.json" → "corrupt_file")."""
    return key.partition(".")[0]


def as_text(fields: dict[str, object]) -> dict[str, str]:
    """A message's values as the archive keeps them (DataIssue.fields): text, None as ""."""
    return {name: "" if value is None else str(value) for name, value in fields.items()}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
